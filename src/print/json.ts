/**
 * JSON text for the CLI's `--json` / `--ndjson` output. `Output` writes its
 * strings as latin1 (so kernel bytes held as latin1 text print unchanged);
 * JSON is UTF-8, so non-ASCII text is re-encoded here once.
 */

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** `value` as one line of JSON (UTF-8, ready for `Output.out`), newline included. */
export function jsonLine(value: unknown): string {
  const text = JSON.stringify(value) + '\n';
  return NON_ASCII.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}
