/**
 * Hostile input for the `/proc/net/dev` reader (src/modes/interfaces-procnetdev.ts,
 * spec §4.1): two header lines; then a device name of up to 15 bytes before
 * a colon (`name:digits:` keeps `:digits`), then sixteen counters; counters
 * that are not all digits read 0, missing ones 0, and a name of the full 15
 * bytes reads no counters (net-tools 2.10's bounded name parsing).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProcNetDev } from '../../src/modes/interfaces/procnetdev';
import { runs } from './runs';

const HEADER =
  'Inter-|   Receive                                                |  Transmit\n' +
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';

const name = fc.stringMatching(/^[a-z0-9_.-]{1,14}$/);
const counters = fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { minLength: 16, maxLength: 16 });

describe('/proc/net/dev', () => {
  it('names under 15 bytes and their sixteen counters round-trip, whatever the padding', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(name, counters, fc.constantFrom(' ', '  ', '\t', '    ')), { maxLength: 8 }), (devices) => {
        const text = HEADER + devices.map(([n, c, gap]) => `${n.padStart(6)}:${gap}${c.join(gap)}\n`).join('');
        expect(parseProcNetDev(text).map((d) => [d.name, Object.values(d.stats)])).toEqual(devices.map(([n, c]) => [n, c]));
      }),
      { numRuns: runs(1000) },
    );
  });

  it('arbitrary text never throws; counters are unsigned, names at most 15 bytes plus an alias', () => {
    const char = fc.oneof(fc.constantFrom('e', '0', ':', ' ', '\t', '9', '-', 'x'), fc.nat({ max: 255 }).map((b) => String.fromCharCode(b)));
    fc.assert(
      fc.property(fc.array(fc.array(char, { maxLength: 100 }).map((c) => c.join('')), { maxLength: 10 }), (lines) => {
        const wrong = parseProcNetDev(HEADER + lines.join('\n')).filter((d) => d.name.replace(/:\d+$/, '').length > 15 || Object.values(d.stats).some((v) => v < 0n));
        expect(wrong).toEqual([]);
      }),
      { numRuns: runs(1500) },
    );
  });
});
