import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');
const fixture = (name: string) => join(root, 'test/fixtures', name);
const cwd = mkdtempSync(join(tmpdir(), 'parzen-cli-honest-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

function parzen(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('parzen run when every trial fails', () => {
  it('exits non-zero printing the first failure’s message; the failures keep message and stack', async () => {
    const db = `sqlite:${join(cwd, 'fails.db')}`;
    const r = await parzen('run', fixture('always-fails.mjs'), '--max-evals', '4', '--storage', db, '--study', 'f');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /every trial failed; the first \(trial 0\) threw: cannot read the data set at \/nowhere\/train\.csv/);
    assert.match(r.stderr, /parzen trials --state fail --study f/);
    const listed = await parzen('trials', '--state', 'fail', '--study', 'f', '--storage', db);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /threw: cannot read the data set/);
    assert.equal(listed.stdout.match(/threw: /g)?.length, 4);
    const json = await parzen('trials', '--state', 'fail', '--study', 'f', '--storage', db, '--json');
    const { trials } = JSON.parse(json.stdout) as { trials: { failMessage: string; attrs: { stack: string } }[] };
    assert.equal(trials.length, 4);
    assert.match(trials[0].attrs.stack, /^TypeError: cannot read the data set[^\n]*\n\s+at objective \(file:.*always-fails\.mjs/);
    assert.equal(
      (await parzen('trials', '--state', 'complete', '--study', 'f', '--storage', db)).stdout.trim(),
      'study f has no trials matching',
    );
    const bad = await parzen('trials', '--state', 'failed', '--study', 'f', '--storage', db);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--state .*must be a comma-separated list of running, complete, pruned, fail \(bad item "failed"\)/);
  });

  it('with --json still prints the document (every trial failed in it) and exits non-zero', async () => {
    const r = await parzen('run', fixture('always-fails.mjs'), '--max-evals', '3', '--storage', 'memory', '--json');
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout) as { best: unknown; trials: { state: string; failMessage: string }[] };
    assert.equal(doc.best, null);
    assert.deepEqual(
      doc.trials.map((t) => t.state),
      ['fail', 'fail', 'fail'],
    );
    assert.match(r.stderr, /every trial failed; the first \(trial 0\) threw: cannot read/);
  });
});

describe('an objective that writes to stdout', () => {
  it('leaves --json output one JSON document; its lines go to stderr', async () => {
    const r = await parzen('run', fixture('chatty.mjs'), '--max-evals', '6', '--storage', 'memory', '--json', '--concurrency', '2');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { trials: unknown[] };
    assert.equal(doc.trials.length, 6);
    assert.match(r.stderr, /chatty: module loaded/);
    for (let i = 0; i < 6; i++) assert.match(r.stderr, new RegExp(`chatty: trial ${i} x=`));
    assert.match(r.stderr, /chatty: raw write/);
  });

  it('leaves the summary alone on stdout', async () => {
    const r = await parzen('run', fixture('chatty.mjs'), '--max-evals', '3', '--storage', 'memory');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /chatty/);
    assert.match(r.stdout, /^study study-\S+: 3 trials \(0 failed\)/);
    assert.match(r.stderr, /chatty: trial 2/);
  });
});
