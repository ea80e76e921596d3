/**
 * chooseInterfaceSource(): which source gives `-i` its facts and the reason
 * each pass carries, for every policy input (NETSTAT_BACKEND,
 * NETSTAT_REQUIRE_NATIVE, the proc root, the loader outcome, rtnetlink
 * refusals). The binding is a fake — rtnetlink dumps from
 * fixtures/interfaces/rtnetlink, a hand-made ioctl answer — so it runs
 * anywhere; the live facts are checked by interfaces-ioctl.test.ts and the
 * namespace and fault suites.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseInterfaceSource } from '../../src/backends/interfaces/choose';
import { NetstatError } from '../../src/errors';
import { INTERFACE_STRIDE, InterfaceField, type NativeBinding, type NativeLoadOutcome, type PackedInterfaces } from '../../src/native';

const RECORDED = path.join(__dirname, '../../fixtures/interfaces/rtnetlink');
const notBuilt: NativeLoadOutcome = { reason: 'not-built', message: 'Could not locate the bindings file.' };

function refusal(code: string, errno: number, syscall = 'socket'): Error {
  return Object.assign(new Error(`cannot open a socket: ${code}`), { code, errno, syscall });
}

/** One ioctl row: `lo`, up and running, with 127.0.0.1/8 (what the fake's readInterfaces answers). */
function loopbackRow(): PackedInterfaces {
  const fields = new Uint32Array(INTERFACE_STRIDE);
  fields[InterfaceField.Flags] = 0x49;
  fields[InterfaceField.Type] = 772;
  fields[InterfaceField.Mtu] = 65536;
  fields[InterfaceField.HasAddress] = 1;
  fields[InterfaceField.Address] = 0x7f000001;
  fields[InterfaceField.Destination] = 0x7f000001;
  fields[InterfaceField.Netmask] = 0xff000000;
  return { names: ['lo'], fields, configured: ['lo'] };
}

/** A binding with only the two -i calls; `routeError` makes every rtnetlink dump throw it. */
function fakeBinding(routeError?: Error) {
  const calls = { route: 0, ioctl: 0, asked: [] as string[][] };
  const binding = {
    dumpRoute: (type: number) => {
      calls.route++;
      if (routeError !== undefined) throw routeError;
      return readFileSync(path.join(RECORDED, type === 18 ? 'link.bin' : 'addr.bin'));
    },
    readInterfaces: (names: string[]) => {
      calls.ioctl++;
      calls.asked.push(names);
      return loopbackRow();
    },
  } as unknown as NativeBinding;
  return { native: { binding }, calls };
}

describe('chooseInterfaceSource()', () => {
  it('with the engine: rtnetlink, said so on every pass; the ioctls are not asked', () => {
    const { native, calls } = fakeBinding();
    const facts = chooseInterfaceSource({ env: {}, native })(['lo']);
    expect(facts.source).toEqual({ backend: 'rtnetlink', reason: 'native engine loaded' });
    expect(facts.link('lo')).toMatchObject({ mtu: 65536 });
    expect(calls).toMatchObject({ route: 2, ioctl: 0 });
  });

  for (const [code, errno] of [['EPERM', 1], ['EACCES', 13], ['EPROTONOSUPPORT', 93], ['EAFNOSUPPORT', 97]] as const) {
    it(`rtnetlink refused with ${code}: the ioctls, for good, with the refusal as reason and code`, () => {
      const { native, calls } = fakeBinding(refusal(code, errno));
      const source = chooseInterfaceSource({ env: {}, native });
      const first = source(['lo', 'eth0']);
      expect(first.source).toEqual({ backend: 'ioctl', reason: `rtnetlink refused (rtnetlink: cannot open a socket: ${code})`, code });
      expect(calls.asked).toEqual([['lo', 'eth0']]); // /proc/net/dev's names are what the ioctls ask about
      expect(first.ipv4).toEqual([{ label: 'lo', address: '127.0.0.1', netmask: '255.0.0.0', broadcast: '0.0.0.0', destination: '127.0.0.1' }]);
      // A second pass (-c) goes straight to the ioctls.
      expect(source(['lo']).source).toEqual(first.source);
      expect(calls).toMatchObject({ route: 1, ioctl: 2 });
    });
  }

  it('other rtnetlink failures are errors, not fallbacks', () => {
    const { native, calls } = fakeBinding(refusal('EBADMSG', 74, 'recvmsg'));
    const source = chooseInterfaceSource({ env: {}, native });
    expect(() => source(['lo'])).toThrow(expect.objectContaining({ code: 'EBADMSG', message: 'rtnetlink: cannot open a socket: EBADMSG' }));
    expect(calls.ioctl).toBe(0);
  });

  it('NETSTAT_BACKEND=netlink raises the refusal as a NetstatError with its code and syscall', () => {
    const { native, calls } = fakeBinding(refusal('EPERM', 1));
    const source = chooseInterfaceSource({ env: { NETSTAT_BACKEND: 'netlink' }, native });
    let error: unknown;
    try {
      source(['lo']);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(NetstatError);
    expect(error).toMatchObject({ code: 'EPERM', errno: 1, syscall: 'socket', message: 'rtnetlink: cannot open a socket: EPERM' });
    expect(calls.ioctl).toBe(0);
    const served = fakeBinding();
    expect(chooseInterfaceSource({ env: { NETSTAT_BACKEND: 'netlink' }, native: served.native })(['lo']).source).toEqual({
      backend: 'rtnetlink',
      reason: 'forced by NETSTAT_BACKEND=netlink',
    });
  });

  it('NETSTAT_BACKEND=procfs (no netlink): the ioctls, never rtnetlink', () => {
    const { native, calls } = fakeBinding();
    const facts = chooseInterfaceSource({ env: { NETSTAT_BACKEND: 'procfs' }, native })(['lo']);
    expect(facts.source).toEqual({ backend: 'ioctl', reason: 'forced by NETSTAT_BACKEND=procfs' });
    expect(facts.link('lo')).toMatchObject({ flags: 0x49, type: 772, mtu: 65536 });
    expect(calls).toMatchObject({ route: 0, ioctl: 1 });
  });

  it('a fixture proc root changes nothing: the facts are always the live kernel\'s, as net-tools\' ioctls are', () => {
    const { native } = fakeBinding();
    expect(chooseInterfaceSource({ env: { NETSTAT_PROC_ROOT: RECORDED }, native })(['lo']).source?.backend).toBe('rtnetlink');
  });

  it('without the engine: sysfs and getifaddrs, with the loader\'s reason', () => {
    const facts = chooseInterfaceSource({ env: {}, procRoot: '/proc', native: notBuilt })([]);
    expect(facts.source).toEqual({ backend: 'sysfs', reason: 'native engine not-built: Could not locate the bindings file.' });
    expect(facts.link('lo')).toMatchObject({ type: 772 });
    expect(facts.ipv4.map((a) => a.address)).toContain('127.0.0.1');
  });

  it('NETSTAT_BACKEND=netlink, or NETSTAT_REQUIRE_NATIVE=1 on the live /proc, make a missing engine an error', () => {
    const unavailable = expect.objectContaining({ code: 'ERR_NATIVE_UNAVAILABLE', message: expect.stringContaining('not-built') });
    expect(() => chooseInterfaceSource({ env: { NETSTAT_BACKEND: 'netlink' }, native: notBuilt })).toThrow(unavailable);
    expect(() => chooseInterfaceSource({ env: { NETSTAT_REQUIRE_NATIVE: '1' }, procRoot: '/proc', native: notBuilt })).toThrow(unavailable);
    // As for socket tables: procfs, or a fixture tree, need no engine.
    const procfs = chooseInterfaceSource({ env: { NETSTAT_BACKEND: 'procfs', NETSTAT_REQUIRE_NATIVE: '1' }, native: notBuilt });
    expect(procfs([]).source?.backend).toBe('sysfs');
    const fixture = chooseInterfaceSource({ env: { NETSTAT_REQUIRE_NATIVE: '1', NETSTAT_PROC_ROOT: RECORDED }, native: notBuilt });
    expect(fixture([]).source?.backend).toBe('sysfs');
  });

  it('rejects an unknown NETSTAT_BACKEND', () => {
    expect(() => chooseInterfaceSource({ env: { NETSTAT_BACKEND: 'ebpf' } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_BACKEND' }));
  });
});
