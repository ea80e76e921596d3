/** Which namespaces a program gets of its own, and what runs in them before it (see isolate.js). */
export interface Isolation {
  net?: boolean;
  mount?: boolean;
  /** A PID namespace (`--fork`: the program is PID 1 there, `--kill-child`). */
  pid?: boolean;
  /** A /proc of the PID namespace (implies a mount namespace). */
  mountProc?: boolean;
  /** `ip link set lo up` first. */
  loUp?: boolean;
  /** Shell run first, in the namespaces (`set -e`). */
  setup?: string;
  /** A TCP hash table of this many buckets for the network namespace. */
  tcpHash?: number;
}

export const AS_NOBODY: readonly string[];
export function isolated(argv: readonly string[], iso: Isolation): string[];
export function rerunIsolated(name: string, script: string, args: readonly string[], iso: Isolation, nodeFlags?: readonly string[]): boolean;
