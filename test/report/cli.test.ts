import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(root, 'dist/src/cli/main.js');
const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'parzen-report-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function fails(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await exec(process.execPath, [CLI, ...args], { cwd: dir });
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
  assert.fail(`parzen ${args.join(' ')} succeeded`);
}

describe('parzen report and dashboard usage errors', () => {
  it('name the missing database, the missing study (with the studies there) and a bad port', async () => {
    let r = await fails(['report', '--study', 'x', '--storage', `sqlite:${join(dir, 'none.db')}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no database at .*none\.db/);
    await exec(process.execPath, [CLI, 'run', join(root, 'examples/quadratic.mjs'), '--storage', `sqlite:${join(dir, 'a.db')}`, '--study', 'quad', '--max-evals', '3'], { cwd: dir });
    r = await fails(['report', '--study', 'nope', '--storage', `sqlite:${join(dir, 'a.db')}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no study "nope"; studies there: quad/);
    r = await fails(['dashboard', '--storage', `sqlite:${join(dir, 'a.db')}`, '--port', '70000']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--port must be in 0\.\.65535/);
    r = await fails(['bench', 'quality', '--algo', 'tpe,nope', '--func', 'sphere', '--plot', 'x.html']);
    assert.match(r.stderr, /--algo "nope" is not one of/);
  });
});
