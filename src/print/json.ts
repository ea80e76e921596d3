/**
 * JSON text for the CLI's `--json` / `--ndjson` output. `Output` writes its
 * strings as latin1 (so kernel bytes held as latin1 text print unchanged);
 * JSON is UTF-8, so non-ASCII text is re-encoded here once.
 */
import { bytes } from './address';

/** `value` as one line of JSON (UTF-8, ready for `Output.out`), newline included. */
export function jsonLine(value: unknown): string {
  return bytes(JSON.stringify(value) + '\n');
}
