/**
 * The program name net-tools shows for a process (spec §2.9): the first
 * NUL-terminated string of the first 511 bytes of `/proc/PID/cmdline`
 * (argv[0]); if it starts with `/`, only the part after its last `/`.
 */

import { kernelText } from '../kernel-text';

/** Bytes of `cmdline` net-tools reads (`char cmdlbuf[512]`, one kept for the NUL). */
export const CMDLINE_READ_LIMIT = 511;

const SLASH = 0x2f;

export function programNameOf(cmdline: Uint8Array): { text: string; base64?: string } {
  let length = Math.min(cmdline.length, CMDLINE_READ_LIMIT);
  const nul = cmdline.indexOf(0);
  if (nul !== -1 && nul < length) length = nul;
  let start = 0;
  if (length > 0 && cmdline[0] === SLASH) start = cmdline.lastIndexOf(SLASH, length - 1) + 1;
  return kernelText(Buffer.from(cmdline.buffer, cmdline.byteOffset, cmdline.byteLength), start, length);
}
