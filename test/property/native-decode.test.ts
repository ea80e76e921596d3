/**
 * The addon's decoders seen from JavaScript (decodeInet/decodeUnix over
 * binding.cc), fed the recorded dumps of fixtures/netlink/ with hostile
 * edits: lengths that lie (message and attribute), bytes flipped, batches cut
 * anywhere, NLMSG_ERROR/NLMSG_DONE statuses of any value, junk appended.
 * The rule (native/README.md "Errors"): a result is a whole packed table whose
 * indexes stay inside it; anything else is an `Error` with a string `code`
 * and `syscall` 'recvmsg' (EBADMSG: malformed) or 'sock_diag' (a kernel
 * error code carried in the bytes) — never a crash, never another error.
 * libFuzzer does the same below N-API (native-fuzz.test.ts); this checks
 * the conversion to JavaScript values and errors.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INET_STRIDE, InetField, loadNative, UNIX_STRIDE, UnixField } from '../../src/native';

const outcome = loadNative();
const why = 'binding' in outcome ? null : `native engine not loaded (${outcome.message})`;
if (why !== null) console.warn(`native decoder properties skipped: ${why}`);

const DIR = path.resolve(__dirname, '../../fixtures/netlink');
const recordings = ['tcp4-all-info.bin', 'tcp6-all-info.bin', 'tcp4-listen.bin', 'udp4.bin', 'udp6.bin', 'unix.bin'].map((name) => readFileSync(path.join(DIR, name)));

/** Offsets of the netlink messages of a recording (each header's nlmsg_len). */
function messageOffsets(bytes: Buffer): number[] {
  const offsets: number[] = [];
  for (let at = 0; at + 16 <= bytes.length; ) {
    offsets.push(at);
    const length = bytes.readUInt32LE(at);
    if (length < 16) break;
    at += Math.ceil(length / 4) * 4; // NLMSG_ALIGN, without 32-bit wrap-around
  }
  return offsets;
}

type Edit = (bytes: Buffer, pick: number, value: number) => Buffer;

const edits: Record<string, Edit> = {
  // nlmsg_len of one message set to anything.
  messageLength: (b, pick, value) => {
    const offsets = messageOffsets(b);
    if (offsets.length > 0) b.writeUInt32LE(value >>> 0, offsets[pick % offsets.length]!);
    return b;
  },
  // A 16-bit word inside a message (often an attribute's nla_len or nla_type).
  word: (b, pick, value) => {
    if (b.length >= 2) b.writeUInt16LE(value & 0xffff, (pick * 2) % (b.length - 1));
    return b;
  },
  flip: (b, pick, value) => {
    b[pick % b.length] ^= 1 << (value & 7);
    return b;
  },
  cut: (b, pick) => b.subarray(0, pick % (b.length + 1)),
  // The last message (NLMSG_DONE) turned into an error, or its status set to any int.
  status: (b, pick, value) => {
    const offsets = messageOffsets(b);
    if (offsets.length === 0) return b;
    const at = offsets[offsets.length - 1]!;
    if (pick % 2 === 0) b.writeUInt16LE(2, at + 4); // NLMSG_ERROR
    if (b.length >= at + 20) b.writeInt32LE(value | 0, at + 16);
    return b;
  },
  append: (b, pick, value) => Buffer.concat([b, Buffer.alloc(pick % 40, value & 0xff)]),
};

const edit = fc.tuple(fc.constantFrom(...Object.keys(edits)), fc.nat(), fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }));

describe('decodeInet/decodeUnix on edited recordings', () => {
  it.skipIf(why !== null)('return whole tables or throw an errno-carrying Error, nothing else', () => {
    if (!('binding' in outcome)) return;
    const { binding } = outcome;
    fc.assert(
      fc.property(fc.nat({ max: recordings.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 4 }), (which, steps) => {
        let bytes: Buffer = Buffer.from(recordings[which]!);
        for (const [name, pick, value] of steps) if (bytes.length > 0) bytes = edits[name]!(bytes, pick, value);
        for (const decode of ['inet', 'unix'] as const) {
          try {
            if (decode === 'inet') {
              const packed = binding.decodeInet(bytes);
              expect(packed.fields.length % INET_STRIDE).toBe(0);
              for (let row = 0; row < packed.fields.length; row += INET_STRIDE) {
                expect(packed.fields[row + InetField.LocalAddress]!).toBeLessThan(packed.addresses.length);
                expect(packed.fields[row + InetField.RemoteAddress]!).toBeLessThan(packed.addresses.length);
              }
            } else {
              const packed = binding.decodeUnix(bytes);
              expect(packed.fields.length % UNIX_STRIDE).toBe(0);
              for (let row = 0; row < packed.fields.length; row += UNIX_STRIDE) {
                expect(packed.fields[row + UnixField.NameOffset]! + packed.fields[row + UnixField.NameLength]!).toBeLessThanOrEqual(packed.names.length);
              }
            }
          } catch (err) {
            expect(err).toBeInstanceOf(Error);
            const { code, syscall } = err as { code?: unknown; syscall?: unknown };
            expect(typeof code).toBe('string');
            expect(['recvmsg', 'sock_diag']).toContain(syscall);
            if (syscall === 'recvmsg') expect(code).toBe('EBADMSG');
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
