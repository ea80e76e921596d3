/**
 * The layers of src/ point one way: a file may import files of its own layer
 * or of lower layers, never of a higher one (ARCHITECTURE.md describes each
 * layer). Type-only imports count too: a lower layer should not even know a
 * higher layer's types, or it cannot be understood, tested or reused without
 * them.
 *
 * Every file of src/ must be placed in LAYERS, so a new top-level file or
 * folder is placed deliberately instead of slipping past the check; and
 * ARCHITECTURE.md must name every entry of LAYERS.
 *
 * Imports are read with TypeScript's own pre-processor (static `import` and
 * `export … from`, `import type`, dynamic `import()`, `require()`), which
 * skips comments and strings that merely look like imports.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../../src');

const LAYER_NAMES = [
  'model: vocabulary shared by all, no I/O',
  'readers: read and parse one kernel or system source (/proc files, name databases, cgroups, namespaces)',
  'engine seam: the socket-table interface and its two implementations (native addon, /proc readers)',
  'queries, printers and modes: plan and run a listing, turn records into text, the non-listing modes',
  'library API: the functions the package exports',
  'programs: the netstat CLI and the Prometheus exporter',
] as const;

/**
 * Path (relative to src/, a folder ends in '/') → layer index into
 * LAYER_NAMES. A file takes the entry of its own name, else its folder's.
 */
const LAYERS: Record<string, number> = {
  'model.ts': 0,
  'errors.ts': 0,
  'abort.ts': 0,
  'filter.ts': 0, // which rows a listing keeps: part of the request's vocabulary
  'kernel-text.ts': 0,
  'inet-text.ts': 0,

  'procfs/': 1,
  'cgroup/': 1,
  'netns/': 1,
  'conntrack/': 1,
  'resolve/': 1,

  'native.ts': 2,
  'backends/': 2,

  'query/': 3,
  'print/': 3,
  'modes/': 3,

  'api.ts': 4,
  'watch.ts': 4,
  'index.ts': 4,

  'cli.ts': 5,
  'cli/': 5,
  'exporter/': 5,
};

/**
 * Known violations, each with why it is still there. An entry that no
 * longer occurs fails the test, so this list only shrinks.
 */
const EXCEPTIONS: Record<string, string> = {};

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts')) files.push(path.relative(SRC, full));
  }
  return files.sort();
}

function layerOf(file: string): number | undefined {
  if (file in LAYERS) return LAYERS[file];
  const folder = file.includes('/') ? `${file.slice(0, file.indexOf('/'))}/` : undefined;
  return folder === undefined ? undefined : LAYERS[folder];
}

/** The src/ files that `file` imports, relative to src/. Throws on an import that resolves to nothing. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(SRC, file), 'utf8');
  const found = ts.preProcessFile(text, true, true).importedFiles.map((ref) => ref.fileName);
  const targets: string[] = [];
  for (const spec of found) {
    if (!spec.startsWith('.')) continue; // node: modules and packages
    const base = path.resolve(path.dirname(path.join(SRC, file)), spec.replace(/\.js$/, ''));
    const candidates = [`${base}.ts`, path.join(base, 'index.ts')];
    const hit = candidates.find((candidate) => existsSync(candidate));
    if (hit === undefined) throw new Error(`${file}: import '${spec}' resolves to no file of src/`);
    targets.push(path.relative(SRC, hit));
  }
  return targets;
}

describe('src/ layers', () => {
  const files = sourceFiles(SRC);

  it('places every file of src/ in a layer', () => {
    const unplaced = files.filter((file) => layerOf(file) === undefined);
    expect(unplaced, 'add these to LAYERS (and to ARCHITECTURE.md)').toEqual([]);
  });

  it('names every placed file and folder in ARCHITECTURE.md', () => {
    const doc = readFileSync(path.resolve(SRC, '../ARCHITECTURE.md'), 'utf8');
    const missing = Object.keys(LAYERS).filter((entry) => !doc.includes(`\`${entry}\``));
    expect(missing, 'describe these in ARCHITECTURE.md').toEqual([]);
  });

  it('has no import from a lower layer to a higher one', () => {
    const violations: string[] = [];
    const excused = new Set<string>();
    for (const file of files) {
      const from = layerOf(file);
      if (from === undefined) continue;
      for (const target of importsOf(file)) {
        const to = layerOf(target);
        if (to === undefined || to <= from) continue;
        const edge = `${file} -> ${target}`;
        if (edge in EXCEPTIONS) {
          excused.add(edge);
          continue;
        }
        violations.push(`${edge}   (layer ${from} "${LAYER_NAMES[from]}" imports layer ${to} "${LAYER_NAMES[to]}")`);
      }
    }
    expect(violations.join('\n'), 'imports that point up').toBe('');
    const stale = Object.keys(EXCEPTIONS).filter((edge) => !excused.has(edge));
    expect(stale, 'exceptions that no longer occur: remove them').toEqual([]);
  });
});
