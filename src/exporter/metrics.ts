/**
 * The exposition: snapshots rendered through prom-client, in the Prometheus
 * text format or OpenMetrics. Each render builds its own Registry (never the
 * global one) holding gauges set from the snapshots, so concurrent scrapes in
 * different formats never share mutable state, and a series that disappears
 * from one collection to the next is not left behind.
 */
import { Gauge, Registry, type RegistryContentType, openMetricsContentType, prometheusContentType } from 'prom-client';
import type { Snapshot } from './snapshot';

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
  tables: {
    name: 'netstat_table_info',
    help: 'Which backend (netlink or procfs) served each socket table and why, and whether the kernel has it (status ok or absent); table="owners" is the process walk of --by-process. Always 1.',
    labels: ['table', 'status', 'backend', 'reason'],
  },
  duration: {
    name: 'netstat_scrape_duration_seconds',
    help: 'Seconds the collection behind this exposition took (one collection serves every scrape that arrives while it runs).',
    labels: [],
  },
} as const;

/**
 * Render snapshots (one per target; today always one) in a format. Series of
 * several targets are told apart by the snapshots' target labels, which must
 * have the same names.
 */
export async function renderMetrics(snapshots: readonly Snapshot[], format: ExpositionFormat = 'prometheus'): Promise<string> {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(CONTENT_TYPES[format]);
  const targetLabels = Object.keys(snapshots[0]?.target ?? {});
  const gauge = (def: { name: string; help: string; labels: readonly string[] }) =>
    new Gauge({ name: def.name, help: def.help, labelNames: [...targetLabels, ...def.labels], registers: [registry] });

  const sockets = gauge(METRICS.sockets);
  const tcpQueue = gauge(METRICS.tcpQueue);
  const listeners = gauge(METRICS.listeners);
  const listenersOmitted = gauge(METRICS.listenersOmitted);
  const byProcess = snapshots.some((s) => s.processes !== undefined);
  const processes = byProcess ? gauge(METRICS.processes) : undefined;
  const processesOmitted = byProcess ? gauge(METRICS.processesOmitted) : undefined;
  const unowned = byProcess ? gauge(METRICS.unowned) : undefined;
  const tables = gauge(METRICS.tables);
  const duration = gauge(METRICS.duration);

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
    for (const info of s.tables) tables.set({ ...t, table: info.table, status: info.status, backend: info.backend, reason: info.reason }, 1);
    duration.set(t, s.durationSeconds);
  }
  return registry.metrics();
}
