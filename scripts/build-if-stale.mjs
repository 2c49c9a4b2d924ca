#!/usr/bin/env node
// `prepare` (npm install in a clone, npm pack, npm publish): build only when an output is missing or older than a
// source, so packing a current tree does not rebuild the WebAssembly core and the TypeScript.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** Newest modification time under `dir` (files only), 0 if it does not exist. */
function newest(dir) {
  const p = join(root, dir);
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((f) => newest(join(dir, f))));
}

function oldest(files) {
  return Math.min(...files.map((f) => (existsSync(join(root, f)) ? statSync(join(root, f)).mtimeMs : 0)));
}

const steps = [
  { name: 'build:wasm', sources: ['assembly', 'asconfig.json'], outputs: ['build/core.wasm'] },
  {
    name: 'build:ts',
    sources: ['src', 'test', 'bench', 'tsconfig.json'],
    outputs: ['dist/src/index.js', 'dist/src/cli/main.js', 'dist/src/report/client/page.bundle.js'],
  },
];
// --check: only say what would be built.
const check = process.argv.includes('--check');
for (const s of steps) {
  const stale = Math.max(...s.sources.map(newest)) > oldest(s.outputs);
  if (!stale) console.error(`parzen: ${s.outputs.join(', ')} up to date (npm run build to force)`);
  else if (check) console.error(`parzen: ${s.outputs.join(', ')} stale: npm run ${s.name} would run`);
  else execSync(`npm run ${s.name}`, { cwd: root, stdio: 'inherit' });
}
