/**
 * `--textfile PATH`: write the exposition for node_exporter's textfile
 * collector atomically — into a temporary file in the same directory (a
 * name node_exporter ignores: it reads only `*.prom`), flushed to disk, then
 * renamed over PATH, so a reader sees the old file or the new one, never
 * part of one.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** The temporary name used for PATH: hidden, in PATH's directory, not ending in `.prom`. */
export function temporaryPath(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
}

export async function writeAtomically(target: string, content: string): Promise<void> {
  const temporary = temporaryPath(target);
  try {
    const handle = await fs.open(temporary, 'w', 0o644);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}
