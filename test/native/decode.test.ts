/**
 * The decoders on recorded bytes (fixtures/netlink/, see its README): the
 * addon's decodeInet/decodeUnix plus the netlink backend's mapping must give
 * the records the /proc backend reads from the tables recorded with them.
 * Also: malformed input is an EBADMSG error, kernel errors keep their errno,
 * unknown attributes are skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inetRows, unixRows } from '../../src/backends/netlink';
import { createProcfsBackend } from '../../src/backends/procfs';
import type { InetFamily, InetProtocol, InetSocket } from '../../src/model';
import { DumpCheck, type NativeBinding, loadNative } from '../../src/native';

const FIXTURES = path.join(__dirname, '../../fixtures/netlink');
const outcome = loadNative();
const missing = 'binding' in outcome ? undefined : `native addon ${outcome.reason}: ${outcome.message}`;
if (missing !== undefined) console.warn(`decoder tests skipped: ${missing}`);

const read = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name));
// The cookie and the cgroup are sock_diag's alone (/proc has neither); they are checked apart.
const withoutMoving = ({ cookie: _cookie, cgroup: _cgroup, timer, ...rest }: InetSocket) => ({ ...rest, timer: { ...timer, expiresMs: 0 } });

const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
/** One netlink message: header + payload (little-endian, as on x86 and arm64). */
function message(type: number, payload: Buffer, flags = 2 /* NLM_F_MULTI */): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32LE(16 + payload.length, 0);
  header.writeUInt16LE(type, 4);
  header.writeUInt16LE(flags, 6);
  const padding = Buffer.alloc((4 - (payload.length % 4)) % 4);
  return Buffer.concat([header, payload, padding]);
}
const done = (status = 0): Buffer => {
  const payload = Buffer.alloc(4);
  payload.writeInt32LE(status);
  return message(NLMSG_DONE, payload);
};
/** The first message of a recording. */
function firstMessage(bytes: Buffer): Buffer {
  return bytes.subarray(0, bytes.readUInt32LE(0));
}

describe.skipIf(missing !== undefined)('decoding recorded sock_diag dumps', () => {
  let binding: NativeBinding;
  beforeAll(() => {
    binding = (outcome as { binding: NativeBinding }).binding;
  });

  const cases: Array<[string, InetProtocol, InetFamily, 'all' | 'listening']> = [
    ['tcp4-all-info.bin', 'tcp', 'inet', 'all'],
    ['tcp6-all-info.bin', 'tcp', 'inet6', 'all'],
    ['tcp4-listen.bin', 'tcp', 'inet', 'listening'],
    ['udp4.bin', 'udp', 'inet', 'all'],
    ['udp6.bin', 'udp', 'inet6', 'all'],
    ['udplite4.bin', 'udplite', 'inet', 'all'],
    ['udplite6.bin', 'udplite', 'inet6', 'all'],
  ];
  for (const [file, protocol, family, selection] of cases) {
    it(`${file}: same records as the /proc tables recorded with it`, () => {
      const rows = inetRows(binding.decodeInet(read(file)), protocol, family, { selection });
      const procfs = createProcfsBackend(path.join(FIXTURES, 'proc'));
      const expected = procfs.inet({ protocol, family, filter: { selection }, timers: true }).rows;
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.map(withoutMoving)).toEqual(expected.map(withoutMoving));
      for (const row of rows) expect(row.cookie).toMatch(/^[1-9][0-9]*$/); // decimal text of the 64-bit cookie
      // Recorded in the root cgroup (id 1, INET_DIAG_CGROUP_ID); a TIME_WAIT socket carries no cgroup.
      for (const row of rows) expect(row.cgroup, `${row.localPort} ${row.stateName}`).toEqual(row.state === 6 ? undefined : { id: '1' });
    });
  }

  it('tcp4-all-info.bin: the fields that differ between inet_diag and /proc are mapped', () => {
    const packed = binding.decodeInet(read('tcp4-all-info.bin'));
    const rows = inetRows(packed, 'tcp', 'inet');
    const listener = rows.find((r) => r.localPort === 7001 && r.state === 10)!;
    // inet_diag reports the backlog limit (128) as the listener's queue; /proc shows 0.
    expect(listener.sendQueue).toBe(0);
    expect(rows.find((r) => r.localPort === 7004 && r.state === 10)?.recvQueue).toBe(3);
    expect(rows.find((r) => r.state === 6)?.timer.kind).toBe(3);
    expect(new Set(packed.addresses)).toEqual(new Set(['127.0.0.1', '0.0.0.0']));
  });

  it('unix.bin: same records as /proc/net/unix, RefCnt derived from peers', () => {
    const rows = unixRows(binding.decodeUnix(read('unix.bin')));
    const expected = createProcfsBackend(path.join(FIXTURES, 'proc')).unix({ filter: { selection: 'all' } }).rows;
    expect(rows).toEqual(expected);
    expect(rows.find((r) => r.path === '@contract@dgram')?.refCount).toBe(5);
  });

  it('malformed bytes are EBADMSG errors, never a crash', () => {
    const bytes = read('tcp4-all-info.bin');
    const bad = expect.objectContaining({ code: 'EBADMSG', errno: 74 });
    expect(() => binding.decodeInet(bytes.subarray(0, 10))).toThrow(bad);
    expect(() => binding.decodeInet(bytes.subarray(0, bytes.length - 20))).toThrow(bad); // DONE cut off
    expect(() => binding.decodeInet(firstMessage(bytes))).toThrow(bad); // no DONE at all
    const lying = Buffer.from(firstMessage(bytes));
    lying.writeUInt32LE(lying.length + 1000, 0); // length beyond the buffer
    expect(() => binding.decodeInet(Buffer.concat([lying, done()]))).toThrow(bad);
    const shortPayload = message(20, Buffer.alloc(8)); // shorter than inet_diag_msg
    expect(() => binding.decodeInet(Buffer.concat([shortPayload, done()]))).toThrow(bad);
    const badAttribute = Buffer.concat([firstMessage(bytes), Buffer.from([200, 0, 1, 0])]); // nla_len 200 > rest
    badAttribute.writeUInt32LE(badAttribute.length, 0);
    expect(() => binding.decodeInet(Buffer.concat([badAttribute, done()]))).toThrow(bad);
    expect(() => binding.decodeUnix(read('tcp4-all-info.bin'))).toThrow(bad); // inet replies are not unix ones
  });

  it('kernel errors keep their errno: NLMSG_ERROR and a negative NLMSG_DONE', () => {
    const error = Buffer.alloc(20);
    error.writeInt32LE(-1, 0); // -EPERM, followed by the offending request header
    expect(() => binding.decodeInet(message(NLMSG_ERROR, error))).toThrow(
      expect.objectContaining({ code: 'EPERM', errno: 1, syscall: 'sock_diag' }),
    );
    expect(() => binding.decodeUnix(done(-2))).toThrow(expect.objectContaining({ code: 'ENOENT', errno: 2, syscall: 'sock_diag' }));
    expect(binding.decodeInet(done(0)).fields).toHaveLength(0);
  });

  it('unknown attribute types are skipped', () => {
    const first = firstMessage(read('udp4.bin'));
    const attribute = Buffer.from([8, 0, 250, 0, 1, 2, 3, 4]); // type 250, 4 bytes of payload
    const extended = Buffer.concat([first, attribute]);
    extended.writeUInt32LE(extended.length, 0);
    const plain = inetRows(binding.decodeInet(Buffer.concat([first, done()])), 'udp', 'inet');
    const decoded = inetRows(binding.decodeInet(Buffer.concat([extended, done()])), 'udp', 'inet');
    expect(decoded).toEqual(plain);
    expect(decoded).toHaveLength(1);
  });

  // A recording holds what a listing read: the first read, then the second when one was made
  // (native/dump_check.h). Decoding it is the listing: a socket once, by cookie, the second
  // read's new sockets after the first read's.
  const NLMSG_HDRLEN = 16;
  const INET_COOKIE = NLMSG_HDRLEN + 44; // inet_diag_msg: 4 bytes, the 40-byte id up to idiag_cookie
  const UNIX_COOKIE = NLMSG_HDRLEN + 8; // unix_diag_msg: 4 bytes, the inode, then udiag_cookie
  /** The reply messages of a recording (its NLMSG_DONE left out). */
  function replies(bytes: Buffer): Buffer[] {
    const out: Buffer[] = [];
    for (let at = 0; at < bytes.length; ) {
      const length = bytes.readUInt32LE(at);
      if (bytes.readUInt16LE(at + 4) !== NLMSG_DONE) out.push(bytes.subarray(at, at + length));
      at += (length + 3) & ~3;
    }
    return out;
  }
  const dump = (messages: Buffer[]) => Buffer.concat([...messages, done()]);
  const withoutCookie = (m: Buffer, at: number) => {
    const copy = Buffer.from(m);
    copy.fill(0, at, at + 8);
    return copy;
  };

  it('past 16,384 sockets a listing that will not read again remembers the last 16,384 cookies: a repeat of one of them is dropped', () => {
    const template = replies(read('tcp4-all-info.bin'))[0]!;
    const withCookie = (n: number) => {
      const copy = Buffer.from(template);
      copy.writeUInt32LE(n, INET_COOKIE);
      copy.writeUInt32LE(0, INET_COOKIE + 4);
      return copy;
    };
    const sockets = Array.from({ length: 40_000 }, (_, i) => withCookie(i + 1));
    // A repeat 100 sockets back (what the kernel's resume gives) and one 39,900 back.
    const bytes = dump([...sockets, withCookie(39_900), withCookie(100)]);
    const rows = (check?: DumpCheck) => binding.decodeInet(bytes, check).fields.length / 18;
    expect(rows(DumpCheck.Always)).toBe(40_000);
    expect(rows()).toBe(40_000);
    // No second read past 16,384 sockets: the first ones are not needed for one, and are forgotten too.
    expect(rows(DumpCheck.Auto)).toBe(40_001);
    expect(rows(DumpCheck.Never)).toBe(40_001); // cookie 100 is out of the window: shown again
    // Within the window, whatever the check: 16,000 back.
    expect(binding.decodeInet(dump([...sockets, withCookie(24_001)]), DumpCheck.Never).fields.length / 18).toBe(40_000);
    expect(() => binding.decodeInet(bytes, 3 as DumpCheck)).toThrow(TypeError);
  });

  const recordings: Array<[string, 'inet' | 'unix', number]> = [
    ['tcp4-all-info.bin', 'inet', INET_COOKIE],
    ['unix.bin', 'unix', UNIX_COOKIE],
  ];
  for (const [file, kind, cookieAt] of recordings) {
    const decode = (bytes: Buffer) => (kind === 'inet' ? binding.decodeInet(bytes) : binding.decodeUnix(bytes));
    const rowsOf = (bytes: Buffer) => (kind === 'inet' ? inetRows(binding.decodeInet(bytes), 'tcp', 'inet') : unixRows(binding.decodeUnix(bytes)));

    it(`${file}: a reply the kernel repeats (same cookie) is dropped; one without a cookie is kept`, () => {
      const all = replies(read(file));
      expect(all.length).toBeGreaterThan(3);
      const once = rowsOf(dump(all));
      expect(rowsOf(dump([all[0]!, all[1]!, all[1]!, ...all.slice(2), all[0]!]))).toEqual(once);
      const anonymous = withoutCookie(all[0]!, cookieAt);
      expect(decode(dump([anonymous, anonymous, ...all.slice(1)])).fields.length).toBe(decode(dump(all)).fields.length + (kind === 'inet' ? 18 : 9));
    });

    it(`${file}: a second read adds the sockets the first lacked, after the first's, and nothing twice`, () => {
      const all = replies(read(file));
      const skipped = all[2]!;
      const first = [all[0]!, all[1]!, ...all.slice(3)];
      const rows = rowsOf(Buffer.concat([dump(first), dump(all)]));
      // (Compared by inode: a UNIX row's RefCnt counts its peers in the table it is read with.)
      const inodes = (list: Array<{ inode: number }>) => list.map((r) => r.inode);
      expect(inodes(rows)).toEqual([...inodes(rowsOf(dump(first))), ...inodes(rowsOf(dump([skipped])))]);
      expect(rows).toHaveLength(all.length);
      expect(rows).toEqual(rowsOf(dump([...first, skipped])));
      // A second read's reply without a cookie cannot be told from one the first had: not taken.
      expect(rowsOf(Buffer.concat([dump(first), dump([withoutCookie(skipped, cookieAt)])]))).toEqual(rowsOf(dump(first)));
      if (kind === 'inet') {
        // The addresses and ports of a socket the first read had, under another cookie (a request
        // socket become a full one, a port taken again meanwhile): not added.
        const recast = Buffer.from(all[0]!);
        recast.writeUInt32LE(0xfffffff0, cookieAt);
        expect(rowsOf(Buffer.concat([dump(first), dump([recast])]))).toEqual(rowsOf(dump(first)));
        // In a first read it is another socket (SO_REUSEPORT listeners share theirs): kept.
        expect(rowsOf(dump([...first, recast]))).toHaveLength(first.length + 1);
      }
      // Three reads are read the same way; bytes after a dump that are not one are malformed.
      expect(rowsOf(Buffer.concat([dump(first), dump(first), dump(all)]))).toEqual(rows);
      expect(() => decode(Buffer.concat([dump(all), all[0]!]))).toThrow(expect.objectContaining({ code: 'EBADMSG' }));
    });
  }
});
