/** Where the tests find the programs they run: this checkout's build, and net-tools. */
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
/** The CLI as built (`npm run build`), the program users run. */
export const CLI = path.join(REPO, 'dist', 'cli.js');
/** The native engine as `npm run build:native` compiles it. */
export const ADDON_PATH = path.join(REPO, 'build', 'Release', 'netstat_native.node');
/** net-tools `netstat` 2.10, the reference (oracle) of every differential test. */
export const ORACLE = '/usr/bin/netstat';
/** The socket scenarios (test/scenario/main.py runs one). */
export const SCENARIO = path.join(REPO, 'test', 'scenario', 'main.py');
