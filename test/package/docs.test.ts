/**
 * The documentation a package needs stays complete: every extension option
 * the CLI accepts is in the man page and the README, and the man page is
 * valid roff that man(1) can render (when man is installed).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXTENSION_OPTIONS } from '../../src/cli/args';

const ROOT = path.join(__dirname, '../..');
const MAN = path.join(ROOT, 'man/netstat-native.1');
const hasMan = spawnSync('man', ['--version']).status === 0;
if (!hasMan) console.warn('man page rendering test skipped: man(1) is not installed');

describe('extension options are documented', () => {
  const roff = fs.readFileSync(MAN, 'utf8');
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  it.each(EXTENSION_OPTIONS.map((o) => [o.name]))('--%s is in the man page and the README', (name) => {
    // roff escapes the dashes: \-\-all\-netns
    expect(roff).toContain(`.B${name === 'netns' || name === 'interval' ? 'I' : ''} \\-\\-${name.replace(/-/g, '\\-')}`);
    expect(readme).toMatch(new RegExp(`[\`[]--${name}\\b`));
  });

  it.skipIf(!hasMan)('the man page renders without warnings', () => {
    const result = spawnSync('man', ['--warnings', '-l', '-Tutf8', MAN], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80' } });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.replace(/.\x08/g, '')).toContain('EXTENSION OPTIONS'); // without overstrike bold
  });
});
