/**
 * The `-i` decoders of rtnetlink replies (src/backends/interfaces/rtnetlink.ts:
 * the bytes of RTM_GETLINK / RTM_GETADDR dumps, which the engine hands over
 * undecoded), fed the recordings of fixtures/interfaces/rtnetlink/ with the
 * hostile edits of netlink-edits.ts. The rule: a result has the shape of what
 * the SIOCGIF* ioctls return — 16-bit flags and type, 32-bit MTU and queue
 * length, eight hardware address bytes, dotted quads and a contiguous
 * netmask — or the decoder throws a NetstatError: EBADMSG for a length that
 * lies or a status that is no errno, ERR_RTNETLINK with the kernel's errno
 * (1–4095) for an NLMSG_ERROR; never another exception.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NetstatError } from '../../src/errors';
import { decodeIpv4Addresses, decodeLinks } from '../../src/backends/interfaces/rtnetlink';
import type { Ipv4Address, LinkInfo } from '../../src/backends/interfaces/facts';
import { editedRecording } from './netlink-edits';
import { runs } from './runs';

const DIR = path.resolve(__dirname, '../../fixtures/interfaces/rtnetlink');
const recordings = ['link.bin', 'addr.bin'].map((name) => readFileSync(path.join(DIR, name)));

const isUnsigned = (value: number, bits: number) => Number.isInteger(value) && value >= 0 && value < 2 ** bits;

/** What is wrong with a link's facts, if anything. */
function linkProblems(name: string, link: LinkInfo): string[] {
  const problems: string[] = [];
  if (!isUnsigned(link.flags, 16)) problems.push(`${name}: flags ${link.flags}`);
  if (!isUnsigned(link.type, 16)) problems.push(`${name}: type ${link.type}`);
  if (!isUnsigned(link.mtu, 32)) problems.push(`${name}: mtu ${link.mtu}`);
  if (link.txQueueLen !== null && !isUnsigned(link.txQueueLen, 32)) problems.push(`${name}: txqueuelen ${link.txQueueLen}`);
  if (link.hwAddress.length !== 8 || !link.hwAddress.every((b) => isUnsigned(b, 8))) problems.push(`${name}: hardware address ${link.hwAddress}`);
  const { baseAddr, irq, dma, port } = link.map;
  if (!isUnsigned(baseAddr, 16) || !isUnsigned(irq, 8) || !isUnsigned(dma, 8) || !isUnsigned(port, 8)) problems.push(`${name}: map ${JSON.stringify({ baseAddr, irq, dma, port })}`);
  return problems;
}

/** A netmask: ones then zeros, as a dotted quad. */
function isNetmask(text: string): boolean {
  if (isIP(text) !== 4) return false;
  const bits = text
    .split('.')
    .map((b) => Number(b).toString(2).padStart(8, '0'))
    .join('');
  return /^1*0*$/.test(bits);
}

function addressProblems(a: Ipv4Address): string[] {
  const quads = [a.address, a.broadcast, a.destination].filter((text) => text === null || isIP(text) !== 4);
  return [...quads.map((text) => `${a.label}: ${text} is no IPv4 address`), ...(isNetmask(a.netmask) ? [] : [`${a.label}: netmask ${a.netmask}`])];
}

/** What is wrong with an exception from a decoder, if anything. */
function errorProblems(err: unknown): string[] {
  if (!(err instanceof NetstatError)) return [`not a NetstatError: ${String(err)}`];
  if (err.code === 'EBADMSG') return [];
  if (err.code === 'ERR_RTNETLINK' && Number.isInteger(err.errno) && err.errno! >= 1 && err.errno! <= 4095) return [];
  return [`${err.code} with errno ${err.errno}: ${err.message}`];
}

describe('rtnetlink decoders on edited recordings', () => {
  it('give ioctl-shaped facts or a malformed/kernel error, nothing else', () => {
    fc.assert(
      fc.property(editedRecording(recordings), (bytes) => {
        const problems: string[] = [];
        try {
          for (const [name, link] of decodeLinks(bytes)) problems.push(...linkProblems(name, link));
        } catch (err) {
          problems.push(...errorProblems(err));
        }
        try {
          for (const address of decodeIpv4Addresses(bytes)) problems.push(...addressProblems(address));
        } catch (err) {
          problems.push(...errorProblems(err));
        }
        expect(problems).toEqual([]);
      }),
      { numRuns: runs(1500) },
    );
  });
});
