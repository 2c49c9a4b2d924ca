import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { OptionsError, SpaceError, StorageError } from '../../src/errors.js';
import { hp } from '../../src/space/hp.js';
import { parseSpaceJson } from '../../src/space/json.js';
import { openStorage } from '../../src/storage/open.js';
import { createStudy } from '../../src/study/study.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(root, 'dist/src/cli/main.js');
const OBJECTIVE = join(root, 'test/fixtures/storage-sleep.mjs');
const dir = mkdtempSync(join(tmpdir(), 'parzen-storage-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const exec = promisify(execFile);
const parzen = (args: string[]) =>
  exec(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, SLEEP_MS: '0' } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe('storage errors name the file and the fix', () => {
  it('sqlite:/dev/null: a device, not a file', async () => {
    await assert.rejects(
      openStorage('sqlite:/dev/null'),
      (e: unknown) =>
        e instanceof StorageError && /^sqlite:\/dev\/null: disk I\/O error.* on \/dev\/null; use a regular file/.test(e.message),
    );
  });

  it('a file that is not a database', async () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'not a database, just some text\n'.repeat(100));
    await assert.rejects(
      openStorage(`sqlite:${file}`),
      (e: unknown) =>
        e instanceof StorageError && e.message.includes(`${file} is not a SQLite database`) && /new file name/.test(e.message),
    );
    assert.equal(readFileSync(file, 'utf8'), 'not a database, just some text\n'.repeat(100), 'left as it was');
  });

  it('a full disk (/dev/full), from the CLI: exit 1, one line naming the path and the fix', async () => {
    const r = await parzen(['run', OBJECTIVE, '--storage', 'sqlite:/dev/full', '--max-evals', '3']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^parzen: sqlite:\/dev\/full: database or disk is full; free space on the disk holding \/dev\/full/);
  });

  it('a file in a directory that does not exist: exit 2, naming --storage, the directory and the fix', async () => {
    const missing = join(dir, 'no-such-dir', 'x.db');
    for (const args of [
      ['run', OBJECTIVE, '--storage', `sqlite:${missing}`, '--max-evals', '3'],
      ['create-study', '--study', 's', '--module', OBJECTIVE, '--storage', `sqlite:${missing}`],
    ]) {
      const r = await parzen(args);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(
        r.stderr.startsWith(`parzen: sqlite:${missing} (--storage): the directory ${join(dir, 'no-such-dir')} does not exist; create it`),
        r.stderr,
      );
    }
    await assert.rejects(
      openStorage(`sqlite:${missing}`),
      (e: unknown) => e instanceof OptionsError && e.message.includes('does not exist'),
    );
  });

  it('parzen trials on an empty file reports no study and writes nothing into it', async () => {
    const file = join(dir, 'empty.db');
    writeFileSync(file, '');
    const r = await parzen(['trials', '--storage', `sqlite:${file}`, '--study', 'x']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /holds no parzen studies/);
    assert.equal(statSync(file).size, 0, 'still empty');
  });

  it('--study "" is refused (exit 2); options.name "" too', async () => {
    const r = await parzen(['run', OBJECTIVE, '--storage', 'memory', '--study', '', '--max-evals', '2']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--study must be a non-empty string without NUL characters \(got ""\)/);
    await assert.rejects(createStudy({ space: { x: hp.uniform('x', 0, 1) }, name: '' }), OptionsError);
    // PostgreSQL's text cannot hold NUL: refused before any storage sees it, in every backend alike
    await assert.rejects(
      createStudy({ space: { x: hp.uniform('x', 0, 1) }, name: 'a\0b' }),
      (e: Error) => e instanceof OptionsError && /options\.name .*NUL/.test(e.message),
    );
  });

  it('an infinite bound is reported as Infinity, not null', () => {
    assert.throws(
      () => parseSpaceJson(JSON.parse('{"x": {"uniform": [0, 1e999]}}')),
      (e: unknown) => e instanceof SpaceError && /high must be a finite number \(got Infinity\)/.test(e.message),
    );
    assert.throws(() => hp.uniform('x', -Infinity, 0), /low must be a finite number \(got -Infinity\)/);
  });
});
