import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
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
    await exec(
      process.execPath,
      [CLI, 'run', join(root, 'examples/quadratic.mjs'), '--storage', `sqlite:${join(dir, 'a.db')}`, '--study', 'quad', '--max-evals', '3'],
      { cwd: dir },
    );
    r = await fails(['report', '--study', 'nope', '--storage', `sqlite:${join(dir, 'a.db')}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no study "nope"; studies there: quad/);
    r = await fails(['dashboard', '--storage', `sqlite:${join(dir, 'a.db')}`, '--port', '70000']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--port must be in 0\.\.65535/);
    r = await fails(['bench', 'quality', '--algo', 'tpe,nope', '--func', 'sphere', '--plot', 'x.html']);
    assert.match(r.stderr, /--algo "nope" is not one of/);
  });

  it('--out in a directory that does not exist: exit 2, naming the flag, the path and why', async () => {
    const db = `sqlite:${join(dir, 'out.db')}`;
    await exec(process.execPath, [CLI, 'run', join(root, 'examples/quadratic.mjs'), '--storage', db, '--study', 'q', '--max-evals', '3'], {
      cwd: dir,
    });
    const out = join(dir, 'no-such-dir', 'r.html');
    const r = await fails(['report', '--study', 'q', '--storage', db, '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim(), `parzen: --out ${out}: cannot write: its directory ${join(dir, 'no-such-dir')} does not exist`);
  });
});

describe('parzen dashboard', () => {
  it('serves the studies of a storage on the loopback address until stopped', async () => {
    const db = `sqlite:${join(dir, 'd.db')}`;
    await exec(
      process.execPath,
      [CLI, 'run', join(root, 'examples/quadratic.mjs'), '--storage', db, '--study', 'served', '--max-evals', '4'],
      { cwd: dir },
    );
    const child = spawn(process.execPath, [CLI, 'dashboard', '--storage', db, '--port', '0'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const address = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`dashboard exited with ${code}`)));
      });
      const res = await fetch(`${address}/api/studies`);
      const { studies } = (await res.json()) as { studies: { name: string; counts: { complete: number } }[] };
      assert.deepEqual(
        studies.map((s) => [s.name, s.counts.complete]),
        [['served', 4]],
      );
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', r)));
    assert.equal(code, 0, 'a stopped dashboard exits cleanly');
  });
});
