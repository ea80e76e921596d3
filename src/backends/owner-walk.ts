/**
 * The native fd walk (socket inode → process) with its method chosen: the
 * kernel's BPF task_file iterator when it can be had (the engine decides and
 * says why: `native/bpf_owners.h`), else readlink under `/proc/PID/fd` as
 * net-tools does. Both give the same owners in the same order; the BPF walk
 * costs the kernel ~100× less per fd.
 *
 * `NETSTAT_OWNER_WALK=proc|bpf` forces one method (`auto`, or unset, lets the
 * engine choose). A forced `bpf` that cannot be had is an
 * `ERR_OWNER_WALK_UNAVAILABLE` error saying why, raised by the scan (a
 * listing without owners never meets it).
 */
import type { AbortHandle } from '../abort';
import { NetstatError, errorCode } from '../errors';
import type { ChosenOwners, NativeBinding, PackedOwners } from '../native';
import { WALK_THREADS, createNativeOwners, ownerScan, toNetstatError } from './netlink';
import type { OwnerQuery, OwnerScan, OwnerSource } from './types';

export type OwnerWalkRequest = 'auto' | 'proc' | 'bpf';

/** The method a scan used, and why. */
export interface OwnerWalkChoice {
  method: 'bpf' | 'proc';
  reason: string;
  /** The error code that made the BPF walk give way to /proc, if one did. */
  code?: string;
}

export const ERR_OWNER_WALK_UNAVAILABLE = 'ERR_OWNER_WALK_UNAVAILABLE';

export function parseOwnerWalkEnv(value: string | undefined): OwnerWalkRequest {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'proc' || value === 'bpf') return value;
  throw new NetstatError(`NETSTAT_OWNER_WALK must be proc, bpf or auto (got ${JSON.stringify(value)})`, 'ERR_INVALID_OWNER_WALK');
}

/** The error of a forced BPF walk that cannot be had. */
export function bpfUnavailable(why: string, cause?: unknown): NetstatError {
  const details: { errno?: number; syscall?: string; cause?: unknown } = { cause };
  if (cause instanceof NetstatError) {
    details.errno = cause.errno;
    details.syscall = cause.syscall;
  }
  return new NetstatError(`NETSTAT_OWNER_WALK=bpf but the BPF fd walk is unavailable: ${why}`, ERR_OWNER_WALK_UNAVAILABLE, details);
}

/**
 * The native owner source for `request`; `chose` is told each scan's method.
 * The /proc walk alone when `proc` is asked or the engine predates the BPF walk.
 */
export function createChosenOwners(
  binding: NativeBinding,
  procRoot: string,
  request: OwnerWalkRequest,
  chose: (choice: OwnerWalkChoice) => void,
): OwnerSource {
  const { scanOwnersBpf, scanOwnersBpfAsync } = binding;
  if (request === 'proc' || scanOwnersBpf === undefined || scanOwnersBpfAsync === undefined) {
    const reason = request === 'proc' ? 'forced by NETSTAT_OWNER_WALK=proc' : 'this native engine has no BPF walk';
    if (request === 'bpf') return refusingOwners('native', reason);
    return procWalk(createNativeOwners(binding, procRoot), { method: 'proc', reason }, chose);
  }
  const forced = request === 'bpf';
  const args = (query: OwnerQuery) =>
    [
      procRoot,
      query.wanted === undefined ? null : Float64Array.from(query.wanted),
      WALK_THREADS,
      query.pids === undefined ? null : Int32Array.from(query.pids),
      query.abort?.flag ?? null,
      forced,
    ] as const;
  const what = `scanning ${procRoot}`;
  const done = (packed: ChosenOwners): OwnerScan => {
    const choice: OwnerWalkChoice = { method: packed.method, reason: packed.methodReason };
    if (packed.methodCode !== undefined) choice.code = packed.methodCode;
    chose(choice);
    return withMethod(ownerScan(packed as PackedOwners), choice);
  };
  const failed = (err: unknown, abort: AbortHandle | undefined): unknown => {
    const error = toNetstatError(err, what, abort);
    // Only a forced walk throws for want of BPF; an abort stays an abort.
    return forced && error instanceof NetstatError && errorCode(err) !== 'ECANCELED' ? bpfUnavailable(error.message, error) : error;
  };
  return {
    name: 'native',
    scan(query) {
      query.abort?.check();
      try {
        return done(scanOwnersBpf.call(binding, ...args(query)));
      } catch (err) {
        throw failed(err, query.abort);
      }
    },
    async scanAsync(query) {
      query.abort?.check();
      try {
        return done(await scanOwnersBpfAsync.call(binding, ...args(query)));
      } catch (err) {
        throw failed(err, query.abort);
      }
    },
  };
}

/** An owner source that does the /proc walk and reports it as `choice`. */
export function procWalk(source: OwnerSource, choice: OwnerWalkChoice, chose: (choice: OwnerWalkChoice) => void): OwnerSource {
  return {
    name: source.name,
    scan(query) {
      const scan = source.scan(query);
      chose(choice);
      return withMethod(scan, choice);
    },
    async scanAsync(query) {
      const scan = await source.scanAsync(query);
      chose(choice);
      return withMethod(scan, choice);
    },
  };
}

/** The owner source when NETSTAT_OWNER_WALK=bpf cannot be honoured at all: every scan fails saying why. */
export function refusingOwners(name: OwnerSource['name'], why: string): OwnerSource {
  return {
    name,
    scan: () => {
      throw bpfUnavailable(why);
    },
    scanAsync: () => Promise.reject(bpfUnavailable(why)),
  };
}

function withMethod(scan: OwnerScan, choice: OwnerWalkChoice): OwnerScan {
  scan.method = choice.method;
  scan.methodReason = choice.reason;
  return scan;
}
