import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStorage } from '../../src/storage/open.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(root, 'dist/src/cli/main.js');
const OBJECTIVE = join(root, 'test/fixtures/storage-sleep.mjs');
const dir = mkdtempSync(join(tmpdir(), 'parzen-flush-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function completed(url: string): Promise<number> {
  const s = await openStorage(url);
  try {
    const rec = await s.getStudy('big');
    return rec ? (await s.trials(rec.id)).filter((t) => t.state === 'complete').length : 0;
  } finally {
    await s.close();
  }
}

describe('exit paths flush their output', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`--json after ${signal} on a pipe read slowly is whole (well over 64 KB)`, async () => {
      const url = `sqlite:${join(dir, `${signal}.db`)}`;
      const child = spawn(
        process.execPath,
        [CLI, 'run', OBJECTIVE, '--storage', url, '--study', 'big', '--max-evals', '1000000', '--json', '--grace', '0'],
        {
          env: { ...process.env, SLEEP_MS: '0' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      for (let i = 0; i < 600 && (await completed(url).catch(() => 0)) < 1500; i++) await sleep(50);
      // the reader falls behind: the document cannot fit in the pipe's buffer when the process decides to exit
      child.stdout.pause();
      child.kill(signal);
      await sleep(1500);
      const chunks: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => chunks.push(b));
      child.stdout.resume();
      const code = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', r)));
      await new Promise((r) => (child.stdout.readableEnded ? r(null) : child.stdout.once('end', r)));
      const text = Buffer.concat(chunks).toString();
      // the shell's status for the signal (128 + its number), and the message says which signal stopped the run
      assert.equal(code, signal === 'SIGTERM' ? 143 : 130);
      assert.match(stderr, new RegExp(`parzen: ${signal}: stopping; running trials have 0 ms to finish`));
      if (signal === 'SIGTERM') assert.doesNotMatch(stderr, /Ctrl-C again/);
      assert.ok(text.length > 128 * 1024, `${text.length} bytes`);
      const doc = JSON.parse(text) as { trials: unknown[] };
      assert.ok(doc.trials.length >= 1500);
    });
  }
});
