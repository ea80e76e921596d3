/**
 * Text the kernel hands over as bytes (UNIX socket names, program names from
 * `cmdline`). Records carry it decoded as UTF-8 for reading and, only when the
 * bytes are not valid UTF-8 (so decoding lost something), the bytes as well,
 * base64-encoded: JSON-safe, and enough for the printer to write exactly what
 * net-tools writes.
 */
import { isUtf8 } from 'node:buffer';

/** Decode `buf[start, end)`; `base64` is set only when the bytes are not valid UTF-8. */
export function kernelText(buf: Buffer, start: number, end: number): { text: string; base64?: string } {
  const text = buf.toString('utf8', start, end);
  if (isUtf8(buf.subarray(start, end))) return { text };
  return { text, base64: buf.toString('base64', start, end) };
}

/**
 * The bytes of a kernel text as a latin1 string (one character per byte, what
 * the CLI's `Output` writes unchanged): from `base64` when the record carries
 * the raw bytes, else from the UTF-8 text.
 */
export function kernelBytes(text: string, base64: string | undefined): string {
  if (base64 !== undefined) return Buffer.from(base64, 'base64').toString('latin1');
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}
