/**
 * Which container (or systemd unit) a cgroup path belongs to, from the names
 * container engines give their cgroups. The names differ by engine and by
 * cgroup driver (systemd units vs plain cgroupfs directories):
 *
 * | engine / driver                | cgroup of a container                                       |
 * |--------------------------------|-------------------------------------------------------------|
 * | Docker, systemd driver         | `/system.slice/docker-<id>.scope`                           |
 * | Docker, cgroupfs driver        | `/docker/<id>` (docker-in-docker nests: `/docker/<a>/docker/<b>`) |
 * | containerd CRI, systemd        | `/kubepods.slice/…/kubepods-…-pod<uid>.slice/cri-containerd-<id>.scope` |
 * | containerd CRI, systemd path given to a cgroupfs runc | `…/kubepods-…-pod<uid>.slice:cri-containerd:<id>` |
 * | containerd CRI, cgroupfs       | `/kubepods/<qos>/pod<uid>/<id>`                             |
 * | nerdctl, systemd               | `/system.slice/nerdctl-<id>.scope`                          |
 * | CRI-O, systemd / cgroupfs      | `…/crio-<id>.scope` / `/kubepods/…/pod<uid>/crio-<id>`      |
 * | Podman, systemd                | `/machine.slice/libpod-<id>.scope` (rootless: under `user@<uid>.service`), sometimes with a `/container` child |
 * | Podman, cgroupfs               | `/libpod_parent/libpod-<id>`                                |
 * | Podman, `--cgroups=split`      | `…/libpod-payload-<id>`                                     |
 *
 * `<id>` is the engine's full container id: 64 lowercase hex digits. A
 * bare `<id>` directory under `kubepods` is attributed to containerd: it is
 * the CRI runtime that names containers that way now that dockershim is
 * gone (CRI-O prefixes `crio-`, cri-dockerd uses `docker-<id>.scope`).
 *
 * Monitor processes are not the container: Podman's `libpod-conmon-<id>.scope`
 * and CRI-O's `crio-conmon-<id>.scope` come back as systemd units.
 */
import { NetstatError } from '../errors';

export type ContainerRuntime = 'docker' | 'containerd' | 'cri-o' | 'podman' | 'systemd';

export interface ContainerRef {
  runtime: ContainerRuntime;
  /** The 64-hex container id, or for `systemd` the unit name (`nginx.service`, `session-3.scope`). */
  id: string;
}

const HEX64 = '[0-9a-f]{64}';

/** Components that name a container wherever they appear, whatever their parent. */
const NAMED: ReadonlyArray<readonly [RegExp, ContainerRuntime]> = [
  [new RegExp(`^docker-(${HEX64})\\.scope$`), 'docker'],
  [new RegExp(`^cri-containerd-(${HEX64})\\.scope$`), 'containerd'],
  [new RegExp(`^nerdctl-(${HEX64})\\.scope$`), 'containerd'],
  [new RegExp(`^.*:cri-containerd:(${HEX64})$`), 'containerd'],
  [new RegExp(`^crio-(${HEX64})(?:\\.scope)?$`), 'cri-o'],
  [new RegExp(`^libpod-(?:payload-)?(${HEX64})(?:\\.scope)?$`), 'podman'],
];

const BARE_ID = new RegExp(`^${HEX64}$`);

/**
 * Units that can hold processes (slices cannot). Everything but the suffix
 * must be non-empty: `.scope` alone is not a unit name.
 */
const UNIT = /^.+\.(?:service|scope|socket|mount|swap)$/;

/** The container a component names, given the components above it. */
function containerAt(parts: readonly string[], i: number): ContainerRef | undefined {
  const name = parts[i];
  for (const [pattern, runtime] of NAMED) {
    const m = pattern.exec(name);
    if (m !== null) return { runtime, id: m[1] };
  }
  if (!BARE_ID.test(name)) return undefined;
  // A bare id says nothing by itself; the directory it was made in says whose it is.
  const parent = i > 0 ? parts[i - 1] : undefined;
  if (parent === 'docker') return { runtime: 'docker', id: name };
  if (parent === 'libpod_parent') return { runtime: 'podman', id: name };
  if (parts.slice(0, i).some((p) => p === 'kubepods' || p.startsWith('kubepods-') || p.startsWith('kubepods.'))) {
    return { runtime: 'containerd', id: name };
  }
  return undefined;
}

/**
 * The container or systemd unit a cgroup path (relative to the cgroup2
 * root, as `/proc/<pid>/cgroup` and `CgroupResolver.pathsOf` give it)
 * belongs to, or undefined for the root and for paths with neither.
 *
 * The innermost container wins (docker-in-docker gives the inner one), and
 * any container wins over systemd units: units nested inside a container
 * (a containerised systemd's `nginx.service`) are that container's
 * business. Without a container, the innermost unit is the answer.
 */
export function containerOf(path: string): ContainerRef | undefined {
  if (typeof path !== 'string') throw new NetstatError('path: must be a string', 'ERR_INVALID_ARG_TYPE');
  if (!path.startsWith('/')) throw new NetstatError(`path: must be a cgroup path starting with "/" (got "${path}")`, 'ERR_INVALID_ARG_VALUE');
  const parts = path.split('/').filter((p) => p !== '');
  for (let i = parts.length - 1; i >= 0; i--) {
    const found = containerAt(parts, i);
    if (found !== undefined) return found;
  }
  for (let i = parts.length - 1; i >= 0; i--) {
    if (UNIT.test(parts[i])) return { runtime: 'systemd', id: parts[i] };
  }
  return undefined;
}
