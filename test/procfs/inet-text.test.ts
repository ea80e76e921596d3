import * as fs from 'node:fs';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { formatIPv4, formatIPv6 } from '../../src/inet-text';
import { fixture } from './helpers';

/** glibc inet_ntop results recorded by fixtures/proc/make-addresses.py (Python's socket.inet_ntop calls glibc). */
const GLIBC_CASES: { hex: string; text: string }[] = JSON.parse(fs.readFileSync(fixture('inet6-text.json'), 'utf8'));

const bytesOf = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

describe('formatIPv6', () => {
  it('has a large recorded glibc table to check against', () => {
    expect(GLIBC_CASES.length).toBeGreaterThan(400);
  });

  it('equals glibc inet_ntop on every recorded case', () => {
    const wrong = GLIBC_CASES.filter((c) => formatIPv6(bytesOf(c.hex)) !== c.text).map((c) => `${c.hex}: got ${formatIPv6(bytesOf(c.hex))}, glibc ${c.text}`);
    expect(wrong).toEqual([]);
  });

  it.each([
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['fe800000000000000000000000000001', 'fe80::1'],
    ['00000000000000000000ffff7f000001', '::ffff:127.0.0.1'],
    ['00000000000000000000000001020304', '::1.2.3.4'], // run of exactly 6 from group 0
    ['00000000000000000000000000010000', '::0.1.0.0'],
    ['00000000000000000000000000000002', '::2'], // run of 7: no dotted quad
    ['0000000000000000000100000a000001', '::1:0:a00:1'], // run of 5 followed by 1, not ffff
    ['20010000000000010000000000010001', '2001::1:0:0:1:1'], // first of two equal runs
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    ['00010000000000000000000000000000', '1::'],
    ['FD001234567800000000000000000000'.toLowerCase(), 'fd00:1234:5678::'],
  ])('%s → %s', (hex, text) => {
    expect(formatIPv6(bytesOf(hex))).toBe(text);
  });

  it('agrees with Node (libuv inet_ntop) on the recorded table', () => {
    // libuv's inet_ntop is BIND-derived like glibc's; no difference is known.
    for (const c of GLIBC_CASES) {
      expect(new net.SocketAddress({ address: c.text, family: 'ipv6' }).address).toBe(formatIPv6(bytesOf(c.hex)));
    }
  });

  it('differs from WHATWG URL serialisation, which never writes dotted quads', () => {
    expect(new URL('http://[::ffff:127.0.0.1]/').hostname).toBe('[::ffff:7f00:1]');
    expect(formatIPv6(bytesOf('00000000000000000000ffff7f000001'))).toBe('::ffff:127.0.0.1');
  });

  it('rejects input that is not 16 bytes', () => {
    expect(() => formatIPv6(new Uint8Array(4))).toThrow(RangeError);
  });
});

describe('formatIPv4', () => {
  it('writes a dotted quad in network order', () => {
    expect(formatIPv4(127, 0, 0, 1)).toBe('127.0.0.1');
    expect(formatIPv4(0, 1, 2, 3)).toBe('0.1.2.3');
    expect(formatIPv4(255, 255, 255, 255)).toBe('255.255.255.255');
  });
});
