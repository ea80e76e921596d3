/**
 * Network-number → name look-ups in `/etc/networks`, as `getnetbyaddr(3)`
 * does with the "files" source: the first entry whose number equals the
 * asked one wins. glibc's parser first pads a short number with `.0` parts
 * (`10.1` → `10.1.0.0`), then reads it with `inet_network(3)`: dot-separated
 * parts (decimal, 0octal or 0xhex) packed a byte each.
 */
import { readFields } from './files';

export class NetworkNames {
  private entries: Array<{ name: string; net: number }> | undefined;

  constructor(private readonly networksPath = '/etc/networks') {}

  /** The name of a network number (host byte order, as getnetbyaddr takes it), or null. */
  name(net: number): string | null {
    if (this.entries === undefined) {
      this.entries = [];
      for (const [name, number] of readFields(this.networksPath)) {
        const value = number === undefined ? null : inetNetwork(padNetwork(number));
        if (value !== null) this.entries.push({ name, net: value });
      }
    }
    const wanted = net >>> 0;
    return this.entries.find((e) => e.net === wanted)?.name ?? null;
  }
}

/** Pad a network number to four parts as glibc's networks parser does. */
function padNetwork(text: string): string {
  let padded = text;
  for (let parts = text.split('.').length; parts < 4; parts++) padded += '.0';
  return padded;
}

/** `inet_network(3)`: the value of a network number text, or null if malformed. */
export function inetNetwork(text: string): number | null {
  const parts = text.split('.');
  if (parts.length > 4) return null;
  let value = 0;
  for (const part of parts) {
    let n: number;
    if (/^0[xX][0-9a-fA-F]+$/.test(part)) n = parseInt(part.slice(2), 16);
    else if (/^0[0-7]*$/.test(part)) n = parseInt(part, 8);
    else if (/^[1-9][0-9]*$/.test(part)) n = parseInt(part, 10);
    else return null;
    if (n > 255) return null;
    value = (value * 256 + n) >>> 0;
  }
  return value;
}
