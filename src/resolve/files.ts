/**
 * Reading the small system databases (`/etc/services`, `/etc/protocols`,
 * `/etc/passwd`, `/etc/networks`) the way glibc's "files" NSS backend reads
 * them: `#` starts a comment, fields are separated by blanks or tabs.
 */
import { readFileSync } from 'node:fs';

/** The lines of a database file split into fields, comments removed; [] if unreadable. */
export function readFields(path: string): string[][] {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return [];
  }
  const rows: string[][] = [];
  for (const rawLine of text.split('\n')) {
    const hash = rawLine.indexOf('#');
    const line = hash >= 0 ? rawLine.slice(0, hash) : rawLine;
    const fields = line.split(/[ \t\r]+/).filter((f) => f !== '');
    if (fields.length > 0) rows.push(fields);
  }
  return rows;
}
