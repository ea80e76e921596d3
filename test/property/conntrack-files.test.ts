/**
 * Hostile input for the `/proc/net/nf_conntrack` reader (src/conntrack/proc.ts):
 * `l3name l3num l4name l4num [timeout] [state] key=value… ` with the original
 * direction's tuple from its `src=` and the reply's from the second `src=`;
 * a line not in that shape is left out (null), never an exception. IPv6
 * addresses come as eight full groups and are made canonical.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConntrackTuple, parseConntrack, parseConntrackLine } from '../../src/conntrack/proc';
import { formatIPv6 } from '../../src/inet-text';
import { runs } from './runs';

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => ({ text: b.join('.'), canonical: b.join('.') }));
const v6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((groups) => {
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  return { text: groups.map((g) => g.toString(16).padStart(4, '0')).join(':'), canonical: formatIPv6(bytes) };
});

const entry = fc.boolean().chain((six) =>
  fc.record({
    six: fc.constant(six),
    proto: fc.constantFrom<[string, number, string | null]>(['tcp', 6, 'ESTABLISHED'], ['udp', 17, null], ['sctp', 132, 'COOKIE_WAIT'], ['dccp', 33, 'OPEN']),
    timeout: fc.option(fc.nat({ max: 500000 }), { freq: 5 }),
    addrs: fc.array(six ? v6 : v4, { minLength: 4, maxLength: 4 }),
    ports: fc.array(fc.nat({ max: 0xffff }), { minLength: 4, maxLength: 4 }),
    flags: fc.subarray(['[UNREPLIED]', '[ASSURED]', 'packets=3', 'bytes=180']),
    gap: fc.constantFrom(' ', '  ', '     '),
  }),
);

describe('nf_conntrack lines', () => {
  it('kernel-shaped lines round-trip family, protocol, timeout, state and both tuples', () => {
    fc.assert(
      fc.property(entry, (e) => {
        const [name, number, state] = e.proto;
        const tuple = (i: number) => `src=${e.addrs[i]!.text} dst=${e.addrs[i + 1]!.text} sport=${e.ports[i]} dport=${e.ports[i + 1]}`;
        const words = [e.six ? 'ipv6' : 'ipv4', e.six ? '10' : '2', name, String(number)];
        if (e.timeout !== null) words.push(String(e.timeout));
        if (state !== null) words.push(state);
        words.push(tuple(0), ...e.flags, tuple(2), 'mark=0', 'zone=0', 'use=2');
        const got = parseConntrackLine(words.join(e.gap));
        expect(got).toEqual({
          family: e.six ? 'inet6' : 'inet',
          protocol: name,
          protocolNumber: number,
          timeout: e.timeout,
          state,
          original: { src: e.addrs[0]!.canonical, dst: e.addrs[1]!.canonical, sport: e.ports[0], dport: e.ports[1] },
          reply: { src: e.addrs[2]!.canonical, dst: e.addrs[3]!.canonical, sport: e.ports[2], dport: e.ports[3] },
        });
      }),
      { numRuns: runs(1500) },
    );
  });

  it('arbitrary text never throws; what is kept has both tuples', () => {
    const word = fc.oneof(
      fc.constantFrom('ipv4', 'ipv6', '2', '10', 'tcp', '6', '300', 'ESTABLISHED', 'src=1.2.3.4', 'dst=::1', 'sport=1', 'dport=x', 'id=7', '[ASSURED]', '=', 'src=', 'sport=-1'),
      fc.array(fc.nat({ max: 255 }).map((b) => String.fromCharCode(b)), { maxLength: 12 }).map((c) => c.join('')),
    );
    fc.assert(
      fc.property(fc.array(fc.array(word, { maxLength: 20 }).map((w) => w.join(' ')), { maxLength: 8 }), (lines) => {
        const tupleOk = (t: ConntrackTuple) => typeof t.src === 'string' && [t.sport, t.dport].every((p) => p === null || Number.isInteger(p));
        const wrong = parseConntrack(lines.join('\n')).filter((e) => !['inet', 'inet6'].includes(e.family) || !tupleOk(e.original) || !tupleOk(e.reply));
        expect(wrong).toEqual([]);
      }),
      { numRuns: runs(1500) },
    );
  });
});
