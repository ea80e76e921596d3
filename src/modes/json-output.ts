/**
 * The JSON side of a mode's pass (`--json`, `--ndjson`). A pass hands over
 * its records as it produces them: under `--ndjson` each goes out at once as
 * one line, `{"mode": …, …record}`; under `--json` they are kept and written
 * by `end()` as the pass's one document, `{"mode": …, …head, "<key>": [records]}`.
 * Records come in two shapes: plain records, and groups of records (a routing
 * table, a statistics section), which `--json` keeps nested and `--ndjson`
 * flattens, each record carrying its group's fields.
 *
 * Strings in the modes' data hold the bytes of the files they come from, one
 * char per byte (latin1), which is what the text output prints. JSON is
 * text: such strings are decoded as UTF-8 here (what device names and the
 * like are in practice; a byte that is not UTF-8 becomes U+FFFD), and then
 * written by `jsonLine`.
 */
import type { Options } from './options';
import { jsonLine } from '../print/json';
import type { ModeContext } from './context';

/** True when the pass is to print JSON instead of net-tools' text. */
export function wantsJson(options: Options): boolean {
  return options.json || options.ndjson;
}

export class JsonPass {
  private readonly items: object[] = [];
  private readonly ndjson: boolean;
  /** True once an `--ndjson` line went out. */
  private sent = false;

  /**
   * @param mode the document's and every line's `mode`
   * @param key the `--json` document's list of records
   * @param head fields of the whole pass: on the document, and on every `--ndjson` line
   */
  constructor(
    private readonly ctx: ModeContext,
    private readonly mode: string,
    private readonly key: string,
    private readonly head: object = {},
  ) {
    this.ndjson = ctx.options.ndjson;
  }

  /** True while nothing has been handed over. */
  get empty(): boolean {
    return this.items.length === 0 && !this.sent;
  }

  /** One record. */
  record(record: object): void {
    if (this.ndjson) this.line(record);
    else this.items.push(record);
  }

  /** A group of records, listed under `listKey` in the `--json` document. */
  group(fields: object, listKey: string, records: readonly object[]): void {
    if (this.ndjson) for (const record of records) this.line({ ...fields, ...record });
    else this.items.push({ ...fields, [listKey]: records });
  }

  /**
   * A record that stands for the whole pass (net-tools printed only a
   * message): the pass's one line, alike under `--json` and `--ndjson`.
   */
  only(record: object): void {
    this.sent = true;
    this.write({ mode: this.mode, ...record });
  }

  /** The end of the pass: `--json` writes its document (even with no records). */
  end(): void {
    if (!this.ndjson) this.write({ mode: this.mode, ...this.head, [this.key]: this.items });
  }

  private line(record: object): void {
    this.sent = true;
    this.write({ mode: this.mode, ...this.head, ...record });
  }

  private write(value: object): void {
    this.ctx.out.out(jsonLine(decodeBytes(value)));
  }
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** `value` with every byte string (see above) decoded as UTF-8; the same value when all is ASCII. */
function decodeBytes(value: unknown): unknown {
  if (typeof value === 'string') return NON_ASCII.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
  if (Array.isArray(value)) return value.map(decodeBytes);
  if (typeof value === 'object' && value !== null) {
    const decoded: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) decoded[key] = decodeBytes(field);
    return decoded;
  }
  return value;
}
