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
import { editedRecording } from './netlink-edits';
import { runs } from './runs';

const outcome = loadNative();
const why = 'binding' in outcome ? null : `native engine not loaded (${outcome.message})`;
if (why !== null) console.warn(`native decoder properties skipped: ${why}`);

const DIR = path.resolve(__dirname, '../../fixtures/netlink');
const recordings = ['tcp4-all-info.bin', 'tcp6-all-info.bin', 'tcp-both-info.bin', 'tcp4-listen.bin', 'udp4.bin', 'udp6.bin', 'unix.bin'].map((name) => readFileSync(path.join(DIR, name)));

describe('decodeInet/decodeUnix on edited recordings', () => {
  it.skipIf(why !== null)('return whole tables or throw an errno-carrying Error, nothing else', () => {
    if (!('binding' in outcome)) return;
    const { binding } = outcome;
    fc.assert(
      fc.property(editedRecording(recordings), (bytes) => {
        for (const decode of ['inet', 'unix'] as const) {
          try {
            // `outside`: rows whose indexes point outside their table, by row number.
            if (decode === 'inet') {
              const packed = binding.decodeInet(bytes);
              expect(packed.fields.length % INET_STRIDE).toBe(0);
              const outside = [];
              for (let row = 0; row < packed.fields.length; row += INET_STRIDE) {
                const local = packed.fields[row + InetField.LocalAddress]!;
                const remote = packed.fields[row + InetField.RemoteAddress]!;
                if (local >= packed.addresses.length || remote >= packed.addresses.length) outside.push(row / INET_STRIDE);
              }
              expect(outside).toEqual([]);
            } else {
              const packed = binding.decodeUnix(bytes);
              expect(packed.fields.length % UNIX_STRIDE).toBe(0);
              const outside = [];
              for (let row = 0; row < packed.fields.length; row += UNIX_STRIDE) {
                if (packed.fields[row + UnixField.NameOffset]! + packed.fields[row + UnixField.NameLength]! > packed.names.length) outside.push(row / UNIX_STRIDE);
              }
              expect(outside).toEqual([]);
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
      { numRuns: runs(1000) },
    );
  });
});
