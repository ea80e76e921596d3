/**
 * `/proc/net/dev`: per-device counters, read as net-tools 2.10 reads them
 * (spec §4.1): two header lines, a name of up to 15 bytes before the colon
 * (a `name:digits:` form keeps `:digits`), then the counters.
 */
import { textLines } from '../../procfs/lines';

export interface DeviceStatistics {
  rxBytes: bigint;
  rxPackets: bigint;
  rxErrors: bigint;
  rxDropped: bigint;
  rxFifo: bigint;
  rxFrame: bigint;
  rxCompressed: bigint;
  rxMulticast: bigint;
  txBytes: bigint;
  txPackets: bigint;
  txErrors: bigint;
  txDropped: bigint;
  txFifo: bigint;
  txCollisions: bigint;
  txCarrier: bigint;
  txCompressed: bigint;
}

/** Device names in file order, each with its counters. */
export function parseProcNetDev(text: string): Array<{ name: string; stats: DeviceStatistics }> {
  const rows = textLines(text).slice(2);
  const devices: Array<{ name: string; stats: DeviceStatistics }> = [];
  for (const row of rows) {
    const parsed = parseRow(row);
    if (parsed !== null) devices.push(parsed);
  }
  return devices;
}

function parseRow(row: string): { name: string; stats: DeviceStatistics } | null {
  const start = row.search(/[^ \t]/);
  if (start < 0) return null;
  let end = start;
  // The name runs to the colon; "eth0:1:" style names keep their ":digits".
  while (end < row.length && row[end] !== ':' && row[end] !== ' ' && end - start < 15) end++;
  if (row[end] === ':') {
    const alias = /^:\d+:/.exec(row.slice(end));
    if (alias !== null) end += alias[0].length - 1;
  }
  const name = row.slice(start, end);
  if (row[end] !== ':') return null;
  // net-tools 2.10 (Debian's bounded name parsing) reads no counters for a
  // name of the full 15 bytes: it prints the statistics lines with every
  // figure 0 (observed on 2.10-0.1+deb12u2 with traffic on `veth-longname15`).
  const fullLengthName = end - start >= 15;
  const counters = fullLengthName
    ? []
    : row
        .slice(end + 1)
        .trim()
        .split(/[ \t]+/)
        .map((n) => (/^\d+$/.test(n) ? BigInt(n) : 0n));
  const at = (i: number): bigint => counters[i] ?? 0n;
  return {
    name,
    stats: {
      rxBytes: at(0), rxPackets: at(1), rxErrors: at(2), rxDropped: at(3), rxFifo: at(4), rxFrame: at(5),
      rxCompressed: at(6), rxMulticast: at(7), txBytes: at(8), txPackets: at(9), txErrors: at(10),
      txDropped: at(11), txFifo: at(12), txCollisions: at(13), txCarrier: at(14), txCompressed: at(15),
    },
  };
}
