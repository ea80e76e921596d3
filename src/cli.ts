#!/usr/bin/env node
/**
 * The `netstat` command. This file only starts the program: it loads
 * `cli/main.ts` and calls its `run()` with this process's argv, environment
 * and descriptors.
 *
 * Start-up is part of every `netstat` run, and most of it was Node reading
 * and compiling ~50 modules. So `npm run build` also makes one file of them
 * (`cli.bundle.js`, scripts/bundle.js) and a V8 code cache of it
 * (`cli.bundle.<build id>.cache`, from a run at build time; the id is on the
 * bundle's first line, so a cache never serves another build): with both, the program
 * starts without resolving or compiling any of its modules. Measured in
 * bench/README.md ("Start-up"). Without the bundle (a tree compiled by tsc
 * alone) the modules are loaded as usual.
 *
 * A cache V8 rejects (another Node version or V8 flags) is rewritten at exit
 * where the package directory is writable, atomically, so concurrent runs
 * never read half a file.
 */
import * as fs from 'node:fs';
import { createRequire, wrap } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';

type Program = typeof import('./cli/main');
type ModuleWrapper = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

/** The program's module from the bundle, or undefined when the build made none. */
function loadBundle(): Program | undefined {
  const file = path.join(__dirname, 'cli.bundle.js');
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const id = /^\/\/ netstat-native CLI bundle ([0-9a-f]+)\n/.exec(source)?.[1] ?? 'unknown';
  const cacheFile = path.join(__dirname, `cli.bundle.${id}.cache`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(wrap(source), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected === true) process.once('exit', () => saveCache(cacheFile, script));
  const bundle = { exports: {} };
  (script.runInThisContext() as ModuleWrapper)(bundle.exports, createRequire(file), bundle, file, path.dirname(file));
  return bundle.exports as Program;
}

/** The code cache of everything compiled so far (at exit: the functions this run used too). */
function saveCache(cacheFile: string, script: vm.Script): void {
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, script.createCachedData());
    fs.renameSync(temporary, cacheFile);
  } catch {
    fs.rmSync(temporary, { force: true });
  }
}

const program: Program = loadBundle() ?? (require('./cli/main') as Program);
void program.run(program.processArgv(process.env), process.env, program.PROCESS_IO).then((status) => {
  process.exitCode = status;
});
