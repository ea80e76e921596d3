/**
 * The exposition: snapshots rendered through prom-client, in the Prometheus
 * text format or OpenMetrics. Each render builds its own Registry (never the
 * global one) holding gauges set from the snapshots, so concurrent scrapes in
 * different formats never share mutable state, and a series that disappears
 * from one collection to the next is not left behind.
 */
import { Counter, Gauge, Registry, type RegistryContentType, openMetricsContentType, prometheusContentType } from 'prom-client';
import type { Collection } from './snapshot';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** `Content-Type` of each format, as prom-client writes it. */
export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, RegistryContentType>> = {
  prometheus: prometheusContentType,
  openmetrics: openMetricsContentType,
};

/** Every metric: its name, help text and own labels (target labels come first on each). */
export const METRICS = {
  sockets: {
    name: 'netstat_sockets',
    help: 'Sockets by protocol (tcp, udp, udplite, raw, unix), address family (inet, inet6, unix) and state as netstat names it (UDP and RAW: ESTABLISHED when connected, else CLOSE).',
    labels: ['protocol', 'family', 'state'],
  },
  tcpQueue: {
    name: 'netstat_tcp_queue_bytes',
    help: 'Bytes in the queues of TCP sockets that are not listening: queue="receive" is not yet read by the application, queue="send" not yet acknowledged by the peer.',
    labels: ['family', 'queue'],
  },
  listeners: {
    name: 'netstat_listening_sockets',
    help: 'Listening sockets (TCP in LISTEN; unconnected UDP, UDP-Lite and RAW) by protocol, family, local address class (wildcard, loopback, specific) and local port (RAW: the IP protocol number); at most --max-listeners groups, lowest ports first.',
    labels: ['protocol', 'family', 'address_class', 'port'],
  },
  listenersOmitted: {
    name: 'netstat_listening_groups_omitted',
    help: 'Listening groups (protocol, family, address class, port) left out of netstat_listening_sockets by --max-listeners; 0 when the list is complete.',
    labels: [],
  },
  processes: {
    name: 'netstat_process_sockets',
    help: 'Sockets by the program name of the process holding them (each socket counted once, for its first holder), for the --top-processes programs holding the most.',
    labels: ['program'],
  },
  processesOmitted: {
    name: 'netstat_process_programs_omitted',
    help: 'Programs holding sockets left out of netstat_process_sockets by --top-processes; 0 when the list is complete.',
    labels: [],
  },
  unowned: {
    name: 'netstat_unowned_sockets',
    help: 'Sockets no visible process holds: kernel sockets, and sockets of processes the exporter may not read (without root, every other user\'s).',
    labels: [],
  },
  containers: {
    name: 'netstat_container_sockets',
    help: 'Sockets by the container they were created in (runtime docker, containerd, cri-o or podman, and the 64-hex container id), or the systemd unit (runtime="systemd", container_id the unit name), from the socket\'s cgroup v2; for the --top-containers holding the most. Needs the native engine (netlink): on the /proc backend no socket has a cgroup.',
    labels: ['runtime', 'container_id'],
  },
  containersOmitted: {
    name: 'netstat_containers_omitted',
    help: 'Containers and units holding sockets left out of netstat_container_sockets by --top-containers; 0 when the list is complete.',
    labels: [],
  },
  unattributed: {
    name: 'netstat_container_unattributed_sockets',
    help: 'Sockets in no container or systemd unit: UNIX sockets and TIME_WAIT or request sockets (no cgroup), sockets made in the root cgroup or a slice, and every socket when the /proc backend served the table.',
    labels: [],
  },
  tables: {
    name: 'netstat_table_info',
    help: 'Which backend (netlink or procfs) served each socket table and why, and whether the kernel has it (status ok or absent); table="owners" is the process walk of --by-process. Always 1.',
    labels: ['table', 'status', 'backend', 'reason'],
  },
  netnsReadable: {
    name: 'netstat_netns_readable',
    help: 'With --all-netns or --netns: 1 when the network namespace was read in this collection, 0 when it could not be (its socket series are then absent): the exporter lacks CAP_SYS_ADMIN over it (EPERM), it vanished while being read (ENOENT), or a table served from /proc needs a process inside it and it has none (a name under /run/netns alone).',
    labels: ['netns'],
  },
  netnsHiddenProcesses: {
    name: 'netstat_netns_hidden_processes',
    help: 'With --all-netns: processes whose network namespace the exporter could not see (their /proc/PID/ns/net needs privilege); namespaces only they use may be missing.',
    labels: [],
  },
  collectTimeouts: {
    name: 'netstat_collect_timeouts_total',
    help: 'Collections abandoned because they took longer than --collect-timeout (their scrapes were answered 503), since the exporter started.',
    labels: [],
  },
  duration: {
    name: 'netstat_scrape_duration_seconds',
    help: 'Seconds the collection behind this exposition took (one collection serves every scrape that arrives while it runs).',
    labels: [],
  },
} as const;

/** What a render adds to a collection: the exporter's own state. */
export interface RenderExtras {
  /** Collections timed out so far (`netstat_collect_timeouts_total`); left out when undefined (`--once`). */
  collectTimeouts?: number;
}

/**
 * Render a collection in a format: each snapshot's series carry its target
 * labels (the snapshots of one collection have the same label names); the
 * namespace statuses, timeouts and duration describe the collection as a
 * whole and carry none.
 */
export async function renderMetrics(collection: Collection, format: ExpositionFormat = 'prometheus', extras: RenderExtras = {}): Promise<string> {
  const { snapshots } = collection;
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(CONTENT_TYPES[format]);
  const targetLabels = Object.keys(snapshots[0]?.target ?? {});
  const gauge = (def: { name: string; help: string; labels: readonly string[] }, withTarget = true) =>
    new Gauge({ name: def.name, help: def.help, labelNames: [...(withTarget ? targetLabels : []), ...def.labels], registers: [registry] });

  const sockets = gauge(METRICS.sockets);
  const tcpQueue = gauge(METRICS.tcpQueue);
  const listeners = gauge(METRICS.listeners);
  const listenersOmitted = gauge(METRICS.listenersOmitted);
  const byProcess = snapshots.some((s) => s.processes !== undefined);
  const processes = byProcess ? gauge(METRICS.processes) : undefined;
  const processesOmitted = byProcess ? gauge(METRICS.processesOmitted) : undefined;
  const unowned = byProcess ? gauge(METRICS.unowned) : undefined;
  const byContainer = snapshots.some((s) => s.containers !== undefined);
  const containers = byContainer ? gauge(METRICS.containers) : undefined;
  const containersOmitted = byContainer ? gauge(METRICS.containersOmitted) : undefined;
  const unattributed = byContainer ? gauge(METRICS.unattributed) : undefined;
  const tables = gauge(METRICS.tables);
  const readable = collection.namespaces === undefined ? undefined : gauge(METRICS.netnsReadable, false);
  const hidden = collection.hiddenProcesses === undefined ? undefined : gauge(METRICS.netnsHiddenProcesses, false);
  const timeouts =
    extras.collectTimeouts === undefined
      ? undefined
      : new Counter({ name: METRICS.collectTimeouts.name, help: METRICS.collectTimeouts.help, registers: [registry] });
  const duration = gauge(METRICS.duration, false);

  for (const s of snapshots) {
    const t = s.target;
    for (const g of s.sockets) sockets.set({ ...t, protocol: g.protocol, family: g.family, state: g.state }, g.count);
    for (const q of s.tcpQueues) {
      tcpQueue.set({ ...t, family: q.family, queue: 'receive' }, q.receive);
      tcpQueue.set({ ...t, family: q.family, queue: 'send' }, q.send);
    }
    for (const l of s.listeners) {
      listeners.set({ ...t, protocol: l.protocol, family: l.family, address_class: l.addressClass, port: String(l.port) }, l.count);
    }
    listenersOmitted.set(t, s.listenersOmitted);
    if (s.processes !== undefined) {
      for (const p of s.processes.top) processes?.set({ ...t, program: p.program }, p.count);
      processesOmitted?.set(t, s.processes.omitted);
      unowned?.set(t, s.processes.unowned);
    }
    if (s.containers !== undefined) {
      for (const c of s.containers.top) containers?.set({ ...t, runtime: c.runtime, container_id: c.id }, c.count);
      containersOmitted?.set(t, s.containers.omitted);
      unattributed?.set(t, s.containers.unattributed);
    }
    for (const info of s.tables) tables.set({ ...t, table: info.table, status: info.status, backend: info.backend, reason: info.reason }, 1);
  }
  for (const ns of collection.namespaces ?? []) readable?.set({ netns: ns.netns }, ns.readable ? 1 : 0);
  if (collection.hiddenProcesses !== undefined) hidden?.set(collection.hiddenProcesses);
  timeouts?.inc(extras.collectTimeouts ?? 0);
  duration.set(collection.durationSeconds);
  return registry.metrics();
}
