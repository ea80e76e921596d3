/**
 * Which source gives `netstat -i` its interface facts, and why — the seam
 * for `-i` as backends/choose.ts is for socket tables; each pass's facts
 * carry the choice (`source`) for `--sources`.
 *
 * Policy (NETSTAT_BACKEND as for socket tables, read as "netlink or not"):
 * - with the engine: rtnetlink, two dumps per pass. Refused (EPERM/EACCES in
 *   a sandbox, or no such protocol) → SIOCGIF* ioctls for good, the refusal
 *   recorded: the same facts net-tools gets, with no netlink at all.
 *   `NETSTAT_BACKEND=netlink` raises the refusal instead, as it does for
 *   socket tables.
 * - `NETSTAT_BACKEND=procfs` (no netlink): the ioctls — /proc/net/dev plus
 *   ioctls is exactly how net-tools reads, so nothing is lost.
 * - without the engine: sysfs and getifaddrs (sysfs.ts), which cannot see
 *   broadcast and peer addresses nor the addresses of interfaces that are
 *   not running. `NETSTAT_BACKEND=netlink`, or `NETSTAT_REQUIRE_NATIVE=1` on
 *   the live /proc, make a missing engine an error, as for socket tables.
 *
 * The proc root does not change the source: net-tools' ioctls always ask the
 * live kernel, whatever /proc it reads.
 */
import * as path from 'node:path';
import { NetstatError, errorCode } from '../../errors';
import { nativeOutcome } from '../../native';
import { procRoot as defaultProcRoot } from '../../procfs/root';
import { type ChooseOptions, parseBackendEnv } from '../choose';
import { toNetstatError } from '../netlink';
import type { InterfaceFactsSource, InterfaceSourceNote } from './facts';
import { ioctlFacts } from './ioctl';
import { rtnetlinkFacts } from './rtnetlink';
import { sysfsFacts } from './sysfs';

/** Codes of an rtnetlink socket that cannot be had here (a sandbox's refusal, a kernel without it). */
const REFUSALS = new Set(['EPERM', 'EACCES', 'EPROTONOSUPPORT', 'EAFNOSUPPORT']);

export function chooseInterfaceSource(opts: ChooseOptions = {}): InterfaceFactsSource {
  const env = opts.env ?? process.env;
  const request = opts.backend ?? parseBackendEnv(env.NETSTAT_BACKEND);
  const outcome = opts.native ?? nativeOutcome();

  if (!('binding' in outcome)) {
    const why = `native engine ${outcome.reason}: ${outcome.message}`;
    const liveProc = path.resolve(opts.procRoot ?? defaultProcRoot(env)) === '/proc';
    const required = env.NETSTAT_REQUIRE_NATIVE === '1' && request === 'auto' && liveProc;
    if (request === 'netlink' || required) {
      const by = request === 'netlink' ? 'NETSTAT_BACKEND=netlink' : 'NETSTAT_REQUIRE_NATIVE=1';
      throw new NetstatError(`${by} but the ${why}`, 'ERR_NATIVE_UNAVAILABLE');
    }
    return noted(sysfsFacts(), { backend: 'sysfs', reason: why });
  }

  const binding = outcome.binding;
  const ioctl = ioctlFacts((names) => binding.readInterfaces(names));
  if (request === 'procfs') return noted(ioctl, { backend: 'ioctl', reason: 'forced by NETSTAT_BACKEND=procfs' });

  const rtnetlink = rtnetlinkFacts((type, family) => binding.dumpRoute(type, family));
  const forced = request === 'netlink';
  const served: InterfaceSourceNote = { backend: 'rtnetlink', reason: forced ? 'forced by NETSTAT_BACKEND=netlink' : 'native engine loaded' };
  let refused: InterfaceSourceNote | undefined;
  return (devices) => {
    if (refused !== undefined) return { ...ioctl(devices), source: refused };
    try {
      return { ...rtnetlink(devices), source: served };
    } catch (err) {
      const failure = toNetstatError(err, 'rtnetlink');
      const code = errorCode(failure);
      if (forced || code === undefined || !REFUSALS.has(code)) throw failure;
      const message = failure instanceof Error ? failure.message : String(failure);
      refused = { backend: 'ioctl', reason: `rtnetlink refused (${message})`, code };
      return { ...ioctl(devices), source: refused };
    }
  };
}

/** `source` with every pass's facts marked as coming from it. */
function noted(source: InterfaceFactsSource, note: InterfaceSourceNote): InterfaceFactsSource {
  return (devices) => ({ ...source(devices), source: note });
}
