/**
 * dumpRoute(): the native rtnetlink dump behind `netstat -i`. Its bytes must
 * decode into this namespace's links and IPv4 addresses, and bad arguments
 * must be TypeErrors.
 */
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { RTM_GETADDR, RTM_GETLINK, decodeIpv4Addresses, decodeLinks } from '../../src/backends/interfaces/rtnetlink';
import { nativeOutcome } from '../../src/native';

const outcome = nativeOutcome();
const why = 'binding' in outcome ? null : `native engine unavailable (${outcome.reason}: ${outcome.message})`;
if (why) console.log(`route dump tests skipped: ${why}`);

describe.skipIf(why !== null)('dumpRoute', () => {
  const binding = 'binding' in outcome ? outcome.binding : null;

  it('lists every link this process can see, with flags and MTU', () => {
    const links = decodeLinks(binding!.dumpRoute(RTM_GETLINK, 0));
    const names = Object.keys(networkInterfaces());
    for (const name of names.filter((n) => !n.includes(':'))) expect(links.has(name), name).toBe(true);
    const lo = links.get('lo');
    expect(lo?.mtu).toBeGreaterThan(0);
  });

  it('lists the IPv4 addresses os.networkInterfaces() reports', () => {
    const addresses = decodeIpv4Addresses(binding!.dumpRoute(RTM_GETADDR, 2));
    const expected = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && a.family === 'IPv4')
      .map((a) => a!.address);
    const seen = JSON.stringify(addresses);
    for (const address of expected) expect(seen).toContain(address);
  });

  it('rejects wrong arguments with a TypeError', () => {
    const dump = binding!.dumpRoute as unknown as (...args: unknown[]) => Buffer;
    expect(() => dump()).toThrow(TypeError);
    expect(() => dump('18', 0)).toThrow(TypeError);
    expect(() => dump(70000, 0)).toThrow(TypeError);
  });
});
