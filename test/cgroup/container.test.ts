/**
 * containerOf over the cgroup names engines really create (taken from
 * Docker, containerd, CRI-O, Podman and kubelet layouts as seen in
 * `/proc/<pid>/cgroup` on such hosts), plus properties: any 64-hex id in
 * any layout comes back exactly, and paths without one give a systemd unit
 * or nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containerOf, type ContainerRef } from '../../src/cgroup/container';
import { NetstatError } from '../../src/errors';

const A = '9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d';
const B = '4f797c539e6c745de61a93ca3ff892358ecbcaccd8414d5db545c38428142970';
const POD = '3d6beaa3-0049-13ef-b68c-e073d73494b0';
const POD_SYSTEMD = POD.replace(/-/g, '_');

const TABLE: Array<[string, ContainerRef | undefined]> = [
  // Docker
  [`/system.slice/docker-${A}.scope`, { runtime: 'docker', id: A }],
  [`/docker/${A}`, { runtime: 'docker', id: A }],
  [`/docker-ce/docker/${A}`, { runtime: 'docker', id: A }],
  [`/docker/${A}/docker/${B}`, { runtime: 'docker', id: B }],
  [`/system.slice/docker-${A}.scope/docker/${B}`, { runtime: 'docker', id: B }],
  [`/user.slice/user-1000.slice/user@1000.service/docker-${A}.scope`, { runtime: 'docker', id: A }],
  // A containerised systemd's units belong to the container.
  [`/system.slice/docker-${A}.scope/system.slice/nginx.service`, { runtime: 'docker', id: A }],
  [`/system.slice/docker-${A}.scope/init.scope`, { runtime: 'docker', id: A }],
  // containerd (Kubernetes CRI, systemd and cgroupfs drivers; nerdctl)
  [
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_SYSTEMD}.slice/cri-containerd-${A}.scope`,
    { runtime: 'containerd', id: A },
  ],
  [`/kubepods.slice/kubepods-pod${POD_SYSTEMD}.slice/cri-containerd-${A}.scope`, { runtime: 'containerd', id: A }],
  [`/kubepods/burstable/pod${POD}/${A}`, { runtime: 'containerd', id: A }],
  [`/kubepods/besteffort/pod${POD}/${A}`, { runtime: 'containerd', id: A }],
  [`/kubepods/pod${POD}/${A}`, { runtime: 'containerd', id: A }],
  [`/kubepods-besteffort-pod${POD_SYSTEMD}.slice:cri-containerd:${A}`, { runtime: 'containerd', id: A }],
  [`/system.slice/nerdctl-${A}.scope`, { runtime: 'containerd', id: A }],
  // cri-dockerd under kubelet's systemd driver
  [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_SYSTEMD}.slice/docker-${A}.scope`, { runtime: 'docker', id: A }],
  // CRI-O
  [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_SYSTEMD}.slice/crio-${A}.scope`, { runtime: 'cri-o', id: A }],
  [`/kubepods/burstable/pod${POD}/crio-${A}`, { runtime: 'cri-o', id: A }],
  [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_SYSTEMD}.slice/crio-conmon-${A}.scope`, { runtime: 'systemd', id: `crio-conmon-${A}.scope` }],
  // Podman
  [`/machine.slice/libpod-${A}.scope`, { runtime: 'podman', id: A }],
  [`/machine.slice/libpod-${A}.scope/container`, { runtime: 'podman', id: A }],
  [`/machine.slice/machine-libpod_pod_${B}.slice/libpod-${A}.scope`, { runtime: 'podman', id: A }],
  [`/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${A}.scope`, { runtime: 'podman', id: A }],
  [`/libpod_parent/libpod-${A}`, { runtime: 'podman', id: A }],
  [`/libpod_parent/libpod-${A}/ctr`, { runtime: 'podman', id: A }],
  [`/libpod_parent/${A}`, { runtime: 'podman', id: A }],
  [`/machine.slice/libpod-payload-${A}.scope`, { runtime: 'podman', id: A }],
  [`/machine.slice/libpod-conmon-${A}.scope`, { runtime: 'systemd', id: `libpod-conmon-${A}.scope` }],
  // systemd units that are not containers: the innermost unit
  ['/system.slice/nginx.service', { runtime: 'systemd', id: 'nginx.service' }],
  ['/system.slice/docker.service', { runtime: 'systemd', id: 'docker.service' }],
  ['/system.slice/containerd.service', { runtime: 'systemd', id: 'containerd.service' }],
  ['/user.slice/user-1000.slice/session-3.scope', { runtime: 'systemd', id: 'session-3.scope' }],
  ['/user.slice/user-1000.slice/user@1000.service/init.scope', { runtime: 'systemd', id: 'init.scope' }],
  ['/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-1234.scope', { runtime: 'systemd', id: 'app-gnome-firefox-1234.scope' }],
  ['/system.slice/system-getty.slice/getty@tty1.service', { runtime: 'systemd', id: 'getty@tty1.service' }],
  ['/system.slice/systemd-fsck@dev-disk-by\\x2duuid-1234.service', { runtime: 'systemd', id: 'systemd-fsck@dev-disk-by\\x2duuid-1234.service' }],
  ['/system.slice/nginx.service/worker', { runtime: 'systemd', id: 'nginx.service' }],
  ['/system.slice/dbus.socket', { runtime: 'systemd', id: 'dbus.socket' }],
  ['/init.scope', { runtime: 'systemd', id: 'init.scope' }],
  // Neither
  ['/', undefined],
  ['//', undefined],
  ['/system.slice', undefined],
  ['/user.slice/user-1000.slice', undefined],
  [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_SYSTEMD}.slice`, undefined],
  [`/kubepods/burstable/pod${POD}`, undefined],
  ['/docker', undefined],
  ['/netstat-test/child', undefined],
  ['/.scope', undefined],
  // A bare id outside a known parent could be anyone's: not guessed.
  [`/actions_job/${A}`, undefined],
  // Ids that are not 64 lowercase hex digits are not container ids.
  [`/docker/${A.slice(1)}`, undefined],
  [`/docker/${A.toUpperCase()}`, undefined],
  [`/system.slice/docker-${A}0.scope`, { runtime: 'systemd', id: `docker-${A}0.scope` }],
  [`/system.slice/docker-${A.slice(1)}.scope`, { runtime: 'systemd', id: `docker-${A.slice(1)}.scope` }],
];

describe('containerOf', () => {
  it.each(TABLE)('%s', (path, expected) => {
    expect(containerOf(path)).toEqual(expected);
  });

  it('rejects what is not a cgroup path', () => {
    expect(() => containerOf('system.slice/nginx.service')).toThrow(NetstatError);
    expect(() => containerOf('')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => containerOf(42 as unknown as string)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});

const hex64 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });
const podUid = fc.uuid();

/** Every layout, as a function of the id and a pod uid. */
const LAYOUTS: Array<[string, ContainerRef['runtime'], (id: string, pod: string) => string]> = [
  ['docker systemd', 'docker', (id) => `/system.slice/docker-${id}.scope`],
  ['docker cgroupfs', 'docker', (id) => `/docker/${id}`],
  ['containerd systemd', 'containerd', (id, pod) => `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${pod.replace(/-/g, '_')}.slice/cri-containerd-${id}.scope`],
  ['containerd cgroupfs', 'containerd', (id, pod) => `/kubepods/burstable/pod${pod}/${id}`],
  ['containerd colon form', 'containerd', (id, pod) => `/kubepods-besteffort-pod${pod.replace(/-/g, '_')}.slice:cri-containerd:${id}`],
  ['nerdctl', 'containerd', (id) => `/system.slice/nerdctl-${id}.scope`],
  ['cri-o systemd', 'cri-o', (id, pod) => `/kubepods.slice/kubepods-pod${pod.replace(/-/g, '_')}.slice/crio-${id}.scope`],
  ['cri-o cgroupfs', 'cri-o', (id, pod) => `/kubepods/pod${pod}/crio-${id}`],
  ['podman systemd', 'podman', (id) => `/machine.slice/libpod-${id}.scope`],
  ['podman container child', 'podman', (id) => `/machine.slice/libpod-${id}.scope/container`],
  ['podman cgroupfs', 'podman', (id) => `/libpod_parent/libpod-${id}`],
];

/** Path components that are neither ids nor units: slices and plain names. */
const plainName = fc
  .string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_@'), minLength: 1, maxLength: 20 })
  .filter((s) => !/[0-9a-f]{64}/.test(s));
const sliceName = plainName.map((s) => `${s}.slice`);
const unitName = fc.tuple(plainName, fc.constantFrom('service', 'scope', 'socket', 'mount', 'swap')).map(([s, t]) => `${s}.${t}`);

describe('containerOf properties', () => {
  it('recovers the exact id from every layout, under any slices', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LAYOUTS), hex64, podUid, fc.array(sliceName, { maxLength: 3 }), ([, runtime, layout], id, pod, slices) => {
        const prefix = slices.map((s) => `/${s}`).join('');
        expect(containerOf(prefix + layout(id, pod))).toEqual({ runtime, id });
      }),
    );
  });

  it('takes the innermost container when containers nest', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LAYOUTS), fc.constantFrom(...LAYOUTS), hex64, hex64, podUid, (outer, inner, a, b, pod) => {
        // The inner layout's absolute path is re-rooted below the outer container.
        expect(containerOf(outer[2](a, pod) + inner[2](b, pod))).toEqual({ runtime: inner[1], id: b });
      }),
    );
  });

  it('prefers the container to systemd units inside it', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LAYOUTS), hex64, podUid, fc.array(fc.oneof(sliceName, unitName), { maxLength: 3 }), ([, runtime, layout], id, pod, below) => {
        expect(containerOf(layout(id, pod) + below.map((s) => `/${s}`).join(''))).toEqual({ runtime, id });
      }),
    );
  });

  it('gives the innermost unit, or nothing, for paths without a container id', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(plainName, sliceName, unitName), { maxLength: 6 }), (parts) => {
        const units = parts.filter((p) => /\.(service|scope|socket|mount|swap)$/.test(p));
        const expected = units.length === 0 ? undefined : { runtime: 'systemd', id: units[units.length - 1] };
        expect(containerOf(`/${parts.join('/')}`)).toEqual(expected);
      }),
    );
  });

  it('never reports an id that is not 64 lowercase hex digits', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(plainName, sliceName, unitName, hex64, hex64.map((h) => `docker-${h}.scope`)), { maxLength: 6 }), (parts) => {
        const found = containerOf(`/${parts.join('/')}`);
        if (found !== undefined && found.runtime !== 'systemd') expect(found.id).toMatch(/^[0-9a-f]{64}$/);
      }),
    );
  });
});
