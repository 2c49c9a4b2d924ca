import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

describe('the npm package', () => {
  it("packs what the README's install section needs: its own name, the parzen command, ESM entry with types, the core, LICENSE", async () => {
    assert.equal(pkg.name, 'parzen-hpo');
    assert.equal(pkg.type, 'module');
    assert.equal(pkg.bin.parzen, 'dist/src/cli/main.js');
    // default: for require() where it can load ES modules (tsx, a TypeScript objective read as CommonJS; Node >= 22)
    assert.deepEqual(Object.keys(pkg.exports['.']), ['types', 'import', 'default']);
    assert.match(readFileSync(join(root, 'LICENSE'), 'utf8'), new RegExp(`^${pkg.license} License`));
    // --ignore-scripts: the files list alone (the build is this test run's own)
    const { stdout: out } = await exec('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, timeout: 120_000 });
    const files = new Set((JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
    for (const f of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/cli/main.js',
      'dist/src/report/client/page.bundle.js',
      'build/core.wasm',
      'LICENSE',
      'README.md',
      'package.json',
    ]) {
      assert.ok(files.has(f), `${f} is in the package`);
    }
    assert.ok(![...files].some((f) => f.startsWith('dist/test/') || f.startsWith('src/')), 'no tests or sources in the package');
  });

  it('builds only when stale: prepare on a current tree runs no compiler', async () => {
    const { stdout, stderr } = await exec(process.execPath, [join(root, 'scripts/build-if-stale.mjs'), '--check'], {
      cwd: root,
      timeout: 120_000,
    });
    const out = stdout + stderr;
    assert.match(out, /build\/core\.wasm up to date/);
    assert.match(out, /dist\/src\/index\.js, dist\/src\/cli\/main\.js, dist\/src\/report\/client\/page\.bundle\.js up to date/);
  });
});
