/**
 * The README's library examples run as written (against the built package):
 * every ```js block of "The library" section, as its own Node process, must
 * exit 0 without writing to stderr.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(__dirname, '..');
const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## The library'), readme.indexOf('## Performance'));
const examples = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README library examples', () => {
  it('has examples for every function', () => {
    for (const name of ['listSockets', 'findListeners', 'socketsOfProcess', 'countSockets', 'watchSockets']) {
      expect(examples.some((code) => code.includes(`${name}(`)), name).toBe(true);
    }
  });

  it.each(examples.map((code, i) => [i + 1, code] as const))('example %i runs', (_n, code) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-readme-'));
    const file = path.join(dir, 'example.js');
    // The package as an installed dependency would resolve it.
    fs.writeFileSync(file, code.replaceAll("require('netstat-native')", `require(${JSON.stringify(REPO)})`));
    const result = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(0);
  });
});
