/**
 * The byte cursor every sscanf-style /proc parser stands on
 * (src/procfs/line-scanner.ts), against the C standard's description of each
 * conversion written as a regular expression: `%d`/`%u`/`%lu` take blanks, a
 * sign and at least one decimal digit; `%X`/`%lX`/`%p` blanks, a sign, an
 * optional `0x` (only when a hex digit follows) and at least one hex digit;
 * `%64[0-9A-Fa-f]` one to 64 hex digits, no blanks skipped. A failed
 * conversion takes at most its leading blanks; the line's end is a hard
 * limit, whatever bytes follow it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineScanner } from '../../src/procfs/line-scanner';
import { runs } from './runs';

const char = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('0', '1', '9', 'a', 'F', 'x', 'X', 'g', '+', '-', ' ', '\t', '\v', '\r') },
  { weight: 1, arbitrary: fc.nat({ max: 255 }).map((b) => String.fromCharCode(b)) },
);
/** Text, a start and an end inside it (bytes past the end must not count). */
const line = fc
  .tuple(fc.array(char, { maxLength: 40 }), fc.nat(), fc.nat())
  .map(([chars, a, b]) => {
    const text = chars.join('');
    const start = text.length === 0 ? 0 : a % (text.length + 1);
    const end = start + (text.length === 0 ? 0 : b % (text.length - start + 1));
    return { text, start, end };
  });

function scanner(text: string, start: number, end: number): LineScanner {
  const s = new LineScanner(Buffer.from(text, 'latin1'));
  s.setLine(start, end);
  return s;
}

/** What a conversion should do on `text.slice(start, end)`: consumed length and value, or null. */
function reference(pattern: RegExp, text: string, start: number, end: number, base: number): { length: number; value: number } | null {
  const m = pattern.exec(text.slice(start, end));
  if (m === null) return null;
  const digits = m[3]!;
  const value = Number(BigInt(base === 16 ? '0x' + digits : digits));
  return { length: m[0].length, value: m[2] === '-' ? -value : value };
}

const DECIMAL = /^([ \t\n\v\f\r]*)([+-]?)([0-9]+)/;
const HEX = /^([ \t\n\v\f\r]*)([+-]?)(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]+)/;

describe('LineScanner conversions', () => {
  for (const [name, pattern, base] of [['decimal', DECIMAL, 10], ['hex', HEX, 16]] as const) {
    it(`${name}() converts as sscanf does, within the line`, () => {
      fc.assert(
        fc.property(line, ({ text, start, end }) => {
          const s = scanner(text, start, end);
          const want = reference(pattern, text, start, end, base);
          const ok = name === 'decimal' ? s.decimal() : s.hex();
          // Values are exact up to 2^53 (documented); the kernel's fields are far below.
          const exact = want !== null && Math.abs(want.value) <= Number.MAX_SAFE_INTEGER;
          // A failed conversion has taken at most its leading blanks, as sscanf's does.
          const blanks = /^[ \t\n\v\f\r]*/.exec(text.slice(start, end))![0].length;
          expect({ ok, pos: s.pos, value: exact ? s.value : null }).toEqual({
            ok: want !== null,
            pos: start + (want === null ? blanks : want.length),
            value: exact ? want.value : null,
          });
        }),
        { numRuns: runs(2500) },
      );
    });
  }

  it('hexRun(max) takes 1 to max hex digits without skipping blanks', () => {
    fc.assert(
      fc.property(line, fc.integer({ min: 1, max: 70 }), ({ text, start, end }, max) => {
        const s = scanner(text, start, end);
        const run = /^[0-9a-fA-F]*/.exec(text.slice(start, end))![0].slice(0, max);
        const length = s.hexRun(max);
        expect([length, s.runStart, s.pos]).toEqual([run.length, start, start + run.length]);
      }),
      { numRuns: runs(1500) },
    );
  });

  it('literal() matches one byte exactly, skipSpace() only C blanks', () => {
    fc.assert(
      fc.property(line, ({ text, start, end }) => {
        const s = scanner(text, start, end);
        s.skipSpace();
        const at = s.pos;
        const colon = s.literal(0x3a);
        expect([at, colon]).toEqual([start + /^[ \t\n\v\f\r]*/.exec(text.slice(start, end))![0].length, at < end && text[at] === ':']);
      }),
      { numRuns: runs(1500) },
    );
  });
});
