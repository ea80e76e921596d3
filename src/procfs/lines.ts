/**
 * A `/proc` text file's lines, as net-tools' `fgets` loop sees them: a final
 * newline ends the last line, it does not start an empty one. (The socket
 * tables, read as bytes, go line by line in `table-lines.ts` instead.)
 */

/** The lines without their newlines. */
export function textLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The lines with their newlines, for formats whose conversions can read one (`%15c`). */
export function fgetsLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
