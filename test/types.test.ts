import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The package's published declarations, as a user's strict project sees them (`import … from 'parzen-hpo'`).
// In-tree type tests (test/types/inferred-config.ts) are checked by the build itself.
const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(root, 'test/fixtures/types-consumer');
const project = mkdtempSync(join(tmpdir(), 'parzen-types-'));
after(() => rmSync(project, { recursive: true, force: true }));

/** One tsc run over both fixtures in a scratch project that has the package as a dependency (a link to this tree). */
async function compile(): Promise<{ code: number; out: string }> {
  mkdirSync(join(project, 'node_modules/@types'), { recursive: true });
  symlinkSync(root, join(project, 'node_modules/parzen-hpo'), 'dir');
  symlinkSync(join(root, 'node_modules/@types/node'), join(project, 'node_modules/@types/node'), 'dir');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        skipLibCheck: true,
      },
      files: ['ok.ts', 'bad.ts'],
    }),
  );
  for (const f of ['ok.ts', 'bad.ts']) cpSync(join(fixtures, f), join(project, f));
  return new Promise((resolve) => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    execFile(process.execPath, [tsc, '-p', '.'], { cwd: project, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? 1 : 0, out: stdout + stderr });
    });
  });
}

describe('the package types in a strict user project', () => {
  const result = compile();

  it('compile a file that uses the config inferred from the space, with no cast', async () => {
    const r = await result;
    assert.deepEqual(
      r.out.split('\n').filter((l) => l.startsWith('ok.ts(')),
      [],
      r.out,
    );
  });

  it('reject misuses of the inferred config, one error per marked line', async () => {
    const r = await result;
    assert.equal(r.code, 1);
    const lines = r.out.split('\n').filter((l) => l.startsWith('bad.ts('));
    assert.deepEqual(
      lines.map((l) => Number(/^bad\.ts\((\d+),/.exec(l)?.[1])),
      [6, 7, 8],
      r.out,
    );
    assert.match(lines[0], /"sgd"/);
    assert.match(lines[2], /momentum/);
  });
});
