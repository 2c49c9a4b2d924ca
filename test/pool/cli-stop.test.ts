import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { fixture } from './fixtures.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `parzen run` on the SIGINT fixture; sends SIGINT `times` times (100 ms apart) once trial 3 has started. */
function runAndInterrupt(args: string[], times: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'run', fixture('pool-sigint.mjs'), '--storage', 'memory', '--json', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!sent && /started 3\n/.test(stderr)) {
        sent = true;
        for (let i = 0; i < times; i++) setTimeout(() => child.kill('SIGINT'), 100 * i);
      }
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('parzen run stopped by SIGINT', () => {
  it('lets finished trials stand, records the cut-off ones as interrupted, prints the result and exits 130', async () => {
    const out = await runAndInterrupt(['--max-evals', '50', '--concurrency', '2', '--grace', '300'], 1);
    assert.equal(out.code, 130, out.stderr);
    const doc = JSON.parse(out.stdout) as { trials: { number: number; state: string; failReason?: string }[] };
    const byNumber = new Map(doc.trials.map((t) => [t.number, t]));
    assert.equal(byNumber.get(0)?.state, 'complete');
    assert.equal(byNumber.get(1)?.state, 'complete');
    assert.equal(byNumber.get(2)?.failReason, 'interrupted');
    assert.equal(byNumber.get(3)?.failReason, 'interrupted');
    assert.ok(doc.trials.length < 50);
    assert.ok(doc.trials.every((t) => t.state !== 'running'));
  });

  it('quits at once on a second SIGINT, still with exit code 130', async () => {
    const out = await runAndInterrupt(['--max-evals', '50', '--concurrency', '2', '--grace', '60000'], 2);
    assert.equal(out.code, 130, out.stderr);
    assert.equal(out.stdout, '', 'no result document: the run was abandoned');
  });
});
