/**
 * Text the kernel hands over as bytes (UNIX socket names, program names from
 * `cmdline`). Records carry it decoded as UTF-8 for reading and, only when the
 * bytes are not valid UTF-8 (so decoding lost something), the bytes as well,
 * base64-encoded: JSON-safe, and enough for the printer to write exactly what
 * net-tools writes (`kernelBytes` in `print/address.ts`).
 */
import { isUtf8 } from 'node:buffer';

/** Decode `buf[start, end)`; `base64` is set only when the bytes are not valid UTF-8. */
export function kernelText(buf: Buffer, start: number, end: number): { text: string; base64?: string } {
  const text = buf.toString('utf8', start, end);
  if (isUtf8(buf.subarray(start, end))) return { text };
  return { text, base64: buf.toString('base64', start, end) };
}
