import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ParzenClient, ServeError } from '../../src/client/client.js';
import { ThresholdPruner } from '../../src/pruners/threshold.js';
import { tpe } from '../../src/samplers/tpe/tpe.js';
import type { History, Sampler } from '../../src/samplers/sampler.js';
import { buildServer } from '../../src/serve/server.js';
import { hp } from '../../src/space/hp.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { openStorage } from '../../src/storage/open.js';
import type { Storage } from '../../src/storage/storage.js';
import { createStudy } from '../../src/study/study.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const TOKEN = 'a-test-token-of-some-length';
const auth = { authorization: `Bearer ${TOKEN}` };
const space = { x: { uniform: [-5, 5] }, lr: { loguniform: [-9, 0] } };
const dir = mkdtempSync(join(tmpdir(), 'parzen-serve-'));

/** Every storage kind the concurrency guarantee is checked on. */
const storages: [string, () => Promise<Storage>][] = [
  ['memory', async () => new MemoryStorage()],
  ['sqlite', () => openStorage(`sqlite:${join(dir, `c-${Math.random().toString(36).slice(2)}.db`)}`)],
];
if (process.env.PARZEN_TEST_PG) storages.push(['postgres', () => openStorage(process.env.PARZEN_TEST_PG as string)]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('one study, many concurrent callers', () => {
  for (const [kind, open] of storages) {
    it(`${kind}: 200 callers × 5 ask/tell with random delays: no trial twice, no tell lost, numbers gapless, every running trial pending`, async () => {
      const storage = await open();
      const inner = tpe({ nStartupTrials: 10 });
      // records what each sampler call saw (the trials in its history, running ones included) and how many it gave
      const seen: number[] = [];
      const batches: number[] = [];
      let claimed = 0;
      const spy: Sampler = {
        name: 'tpe',
        options: inner.options,
        suggest: (h: History, n, rng) => {
          seen.push(h.trials.length - claimed);
          batches.push(n);
          return inner.suggest(h, n, rng);
        },
      };
      const study = await createStudy({
        name: `concurrent-${Date.now()}-${kind}`,
        space: { x: hp.uniform('x', -5, 5), y: hp.uniform('y', -5, 5) },
        sampler: spy,
        storage,
        seed: 3,
      });
      const told = new Map<number, number>();
      const caller = async (c: number) => {
        for (let k = 0; k < 5; k++) {
          await sleep(Math.random() * 5);
          const [t] = await study.ask(1);
          claimed++;
          const v = ((t.params.x as number) - 1) ** 2 + (t.params.y as number) ** 2 + c * 1e-9;
          await sleep(Math.random() * 5);
          assert.ok(!told.has(t.number), `trial ${t.number} handed out twice`);
          told.set(t.number, v);
          await study.tell(t.number, v);
        }
      };
      await Promise.all(Array.from({ length: 200 }, (_, c) => caller(c)));
      const trials = await study.trials();
      assert.equal(trials.length, 1000);
      assert.deepEqual(
        trials.map((t) => t.number),
        Array.from({ length: 1000 }, (_, i) => i),
      );
      for (const t of trials) {
        assert.equal(t.state, 'complete');
        assert.equal(t.value, told.get(t.number));
      }
      assert.equal(new Set(trials.map((t) => JSON.stringify(t.params))).size, 1000, 'no two trials share params');
      assert.equal(
        batches.reduce((a, b) => a + b, 0),
        1000,
      );
      assert.ok(
        seen.every((d) => d === 0),
        'each sampler call saw every trial claimed before it',
      );
      await storage.close();
    });
  }
});

describe('asks made at once', () => {
  it('are served by one sampler call, in the order asked, a budget cutting the last ones short', async () => {
    const calls: number[] = [];
    const inner = tpe({ nStartupTrials: 5 });
    const spy: Sampler = {
      name: 'tpe',
      options: inner.options,
      suggest: (h: History, n, rng) => {
        calls.push(n);
        return inner.suggest(h, n, rng);
      },
    };
    const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) }, sampler: spy, seed: 1 });
    const asked = await Promise.all(Array.from({ length: 10 }, () => study.ask(2, { budget: 15 })));
    assert.deepEqual(calls, [20]);
    assert.deepEqual(
      asked.map((a) => a.map((t) => t.number)),
      [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11], [12, 13], [14], [], []],
    );
    // asks with another lease wait for a turn of their own
    const [a, b] = await Promise.all([study.ask(1, { leaseMs: 60_000 }), study.ask(1)]);
    assert.deepEqual([a[0].number, b[0].number, calls.length], [15, 16, 3]);
    assert.equal((await study.trials()).length, 17);
  });
});

describe('parzen serve: the HTTP API', () => {
  const storage = new MemoryStorage();
  const app = buildServer({ storage, token: TOKEN });
  after(() => app.close());
  const post = (url: string, payload: unknown, headers: Record<string, string> = auth) =>
    app.inject({ method: 'POST', url, payload: payload as object, headers });
  const get = (url: string, headers: Record<string, string> = auth) => app.inject({ method: 'GET', url, headers });

  it('refuses requests without the right token, and they change nothing', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }] as Record<string, string>[]) {
      const r = await post('/studies', { name: 'sneaky', space }, headers);
      assert.equal(r.statusCode, 401);
      assert.equal(r.json().error, 'UNAUTHORIZED');
      assert.equal((await get('/studies', headers)).statusCode, 401);
    }
    assert.equal(await storage.getStudy('sneaky'), null);
  });

  it('creates a study, asks, tells, and answers trials and best', async () => {
    const created = await post('/studies', { name: 'a', space, algo: 'tpe', seed: 2 });
    assert.equal(created.statusCode, 201, created.body);
    const asked = await post('/studies/a/ask', { n: 3, leaseSeconds: 60 });
    assert.equal(asked.statusCode, 200, asked.body);
    const trials = asked.json().trials as { number: number; config: { x: number; lr: number }; seed: number }[];
    assert.deepEqual(
      trials.map((t) => t.number),
      [0, 1, 2],
    );
    assert.ok(trials.every((t) => typeof t.config.x === 'number' && t.config.lr > 0 && Number.isInteger(t.seed)));
    for (const t of trials) assert.equal((await post('/studies/a/tell', { number: t.number, value: t.config.x ** 2 })).statusCode, 200);
    const best = (await get('/studies/a/best')).json().trial;
    assert.equal(best.value, Math.min(...trials.map((t) => t.config.x ** 2)));
    assert.equal((await get('/studies/a/trials?state=complete')).json().trials.length, 3);
    assert.equal((await get('/studies')).json().studies[0].name, 'a');
    const leased = (await storage.trials((await storage.getStudy('a'))!.id))[0];
    assert.equal(leased.leaseMs, 60_000, 'ask with leaseSeconds leases the trials');
    const hb = (await post('/studies/a/ask', { leaseSeconds: 30 })).json().trials[0].number;
    const before = (await storage.trials((await storage.getStudy('a'))!.id))[hb].leaseUntil!;
    await sleep(5);
    assert.equal((await post('/studies/a/heartbeat', { numbers: [hb] })).statusCode, 200);
    assert.ok((await storage.trials((await storage.getStudy('a'))!.id))[hb].leaseUntil! > before, 'a heartbeat extends the lease');
  });

  it('answers 400 naming the field, 404 for an unknown study or trial, 409 for a second tell or an existing study', async () => {
    const bad = [
      [await post('/studies', { name: 'b' }), /space/],
      [await post('/studies', { name: 'b', space, algo: 'nope' }), /body\.algo/],
      [await post('/studies', { name: 'b', space, seed: -1 }), /seed/],
      [await post('/studies', { name: 'nul\u0000', space }), /body\.name/],
      [await post('/studies/a/ask', { n: 0 }), /\bn\b/],
      [await post('/studies/a/ask', { n: 2, extra: 1 }), /extra/],
      [await post('/studies/a/tell', { number: 0, value: 'high' }), /value/],
      [await post('/studies/a/tell', { value: 1 }), /number/],
    ] as const;
    for (const [r, field] of bad) {
      assert.equal(r.statusCode, 400, r.body);
      assert.match(r.json().message, field);
      assert.ok(!/\n\s+at /.test(r.body), 'no stack trace');
    }
    assert.equal((await post('/studies/nosuch/ask', {})).statusCode, 404);
    assert.equal((await get('/studies/nosuch/best')).statusCode, 404);
    assert.equal((await post('/studies/a/tell', { number: 999, value: 1 })).statusCode, 404);
    const again = await post('/studies/a/tell', { number: 0, value: 5 });
    assert.equal(again.statusCode, 409);
    assert.notEqual((await storage.trials((await storage.getStudy('a'))!.id))[0].value, 5, 'the first tell stands');
    assert.equal((await post('/studies', { name: 'a', space })).statusCode, 409);
  });

  it('fails a trial told as failed, with its message', async () => {
    const [t] = (await post('/studies/a/ask', {})).json().trials;
    const r = await post('/studies/a/tell', { number: t.number, state: 'fail', message: 'CUDA out of memory' });
    assert.equal(r.json().trial.state, 'fail');
    assert.equal(r.json().trial.failMessage, 'CUDA out of memory');
    const [u] = (await post('/studies/a/ask', {})).json().trials;
    const nul = await post('/studies/a/tell', { number: u.number, state: 'fail', message: 'bad \u0000 byte' });
    assert.equal(nul.statusCode, 200, nul.body);
    assert.equal(nul.json().trial.failMessage, 'bad \uFFFD byte');
  });

  it("prunes with the study's stored pruner (created here or by another process) and takes pruned trials with their last step", async () => {
    const created = await post('/studies', { name: 'p', space, algo: 'random', pruner: { name: 'threshold', options: { upper: 1 } } });
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual(created.json().study.pruner, { name: 'threshold', options: { upper: 1 } });
    const [t, u, w] = (await post('/studies/p/ask', { n: 3 })).json().trials as { number: number }[];
    const report = async (number: number, step: number, value: number) =>
      (await post('/studies/p/report', { number, step, value })).json().prune as boolean;
    assert.deepEqual([await report(t.number, 0, 0.5), await report(t.number, 1, 2)], [false, true]);
    const told = await post('/studies/p/tell', { number: t.number, state: 'pruned' });
    assert.equal(told.statusCode, 200, told.body);
    assert.deepEqual([told.json().trial.state, told.json().trial.value], ['pruned', 2]);
    // the last report in the tell: recorded, then the trial stops with it
    const last = (await post('/studies/p/tell', { number: u.number, state: 'pruned', step: 7, value: 3.5 })).json().trial;
    assert.deepEqual([last.state, last.value, last.intermediate.map((i: { step: number }) => i.step)], ['pruned', 3.5, [7]]);
    for (const [body, why] of [
      [{ number: w.number, state: 'pruned', step: 1 }, /body\.step and body\.value go together/],
      [{ number: w.number, value: 1, step: 1 }, /body\.step goes only with state "pruned"/],
      [{ number: w.number, state: 'stopped' }, /body\.state/],
    ] as const) {
      const r = await post('/studies/p/tell', body);
      assert.equal(r.statusCode, 400, r.body);
      assert.match(r.json().message, why);
    }
    assert.equal((await post('/studies/p/tell', { number: t.number, state: 'pruned' })).statusCode, 409);
    const bad = await post('/studies', { name: 'q', space, pruner: { name: 'asha', options: { reductionFactor: 1 } } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /body\.pruner: options\.reductionFactor must be an integer >= 2/);
    // a study made by another process with its pruner: the server's reports are decided by it
    await createStudy({ name: 'other', storage, space: hp.uniform('x', 0, 1), pruner: new ThresholdPruner({ lower: 0 }) });
    const [o] = (await post('/studies/other/ask', {})).json().trials as { number: number }[];
    assert.equal((await post('/studies/other/report', { number: o.number, step: 0, value: -1 })).json().prune, true);
    // ...and when another process switches it, the next report is decided by the new one, without a restart
    await createStudy({
      name: 'other',
      storage,
      resume: true,
      pruner: new ThresholdPruner({ lower: -10 }),
      switchPruner: true,
    });
    assert.equal((await post('/studies/other/report', { number: o.number, step: 1, value: -1 })).json().prune, false);
    // a study another process deleted is gone here too
    await storage.deleteStudy('other');
    assert.equal((await post('/studies/other/report', { number: o.number, step: 2, value: -1 })).statusCode, 404);
  });

  it('publishes an OpenAPI document of its routes', async () => {
    const doc = (await get('/openapi.json')).json();
    assert.equal(doc.openapi, '3.1.0');
    for (const p of [
      '/studies',
      '/studies/{name}/ask',
      '/studies/{name}/tell',
      '/studies/{name}/report',
      '/studies/{name}/heartbeat',
      '/studies/{name}/best',
    ]) {
      assert.ok(doc.paths[p], `documents ${p}`);
    }
    assert.equal(doc.paths['/studies/{name}/ask'].post.requestBody.content['application/json'].schema.properties.n.maximum, 100);
  });
});

describe('clients', () => {
  it('the TypeScript client round-trips over a socket, and surfaces errors with their code', async () => {
    const storage = new MemoryStorage();
    const app = buildServer({ storage, token: TOKEN });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const client = new ParzenClient(url, { token: TOKEN });
      await client.createStudy({ name: 'ts', space, seed: 1 });
      for (let i = 0; i < 6; i++) {
        const [t] = await client.ask<{ x: number; lr: number }>('ts', 1, 30);
        await client.tell('ts', t.number, (t.config.x - 1) ** 2);
      }
      assert.equal((await client.trials('ts', 'complete')).length, 6);
      assert.ok((await client.best('ts'))!.value! >= 0);
      await assert.rejects(new ParzenClient(url).listStudies(), (e: unknown) => e instanceof ServeError && e.status === 401);
      await assert.rejects(client.tell('ts', 0, 1), (e: unknown) => e instanceof ServeError && e.status === 409);
      // pruning through the client: the study's pruner answers report, prune stops the trial at its last step
      await client.createStudy({ name: 'pr', space, seed: 1, pruner: { name: 'threshold', options: { upper: 1 } } });
      const [t] = await client.ask('pr');
      assert.equal(await client.report('pr', t.number, 0, 0.5), false);
      assert.equal(await client.report('pr', t.number, 1, 1.5), true);
      const pruned = await client.prune('pr', t.number);
      assert.deepEqual([pruned.state, pruned.value], ['pruned', 1.5]);
      const [u] = await client.ask('pr');
      const withLast = await client.prune('pr', u.number, { step: 4, value: 0.75 });
      assert.deepEqual([withLast.state, withLast.value, withLast.intermediate?.map((i) => i.step)], ['pruned', 0.75, [4]]);
    } finally {
      await app.close();
    }
  });

  const python = spawnSync('python3', ['--version']).status === 0;
  it('the Python example trainer (standard library only) runs a study', { skip: python ? false : 'python3 is not installed' }, async () => {
    const storage = new MemoryStorage();
    const app = buildServer({ storage, token: TOKEN });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { stdout } = await promisify(execFile)(
        'python3',
        [join(root, 'examples/serve/trainer.py'), '--url', url, '--trials', '8', '--study', 'py'],
        {
          env: { ...process.env, PARZEN_TOKEN: TOKEN },
        },
      );
      const out = JSON.parse(stdout) as { best: number };
      const trials = await storage.trials((await storage.getStudy('py'))!.id);
      assert.equal(trials.length, 8);
      assert.ok(trials.every((t) => t.state === 'complete'));
      assert.equal(out.best, Math.min(...trials.map((t) => t.value as number)));
    } finally {
      await app.close();
    }
  });
});

describe('parzen serve (CLI)', () => {
  const cli = join(root, 'dist/src/cli/main.js');
  it('needs a token unless --no-auth on a loopback address', () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, [cli, 'serve', '--storage', 'memory', '--port', '0', ...args], { encoding: 'utf8', timeout: 20_000 });
    const noToken = run([]);
    assert.equal(noToken.status, 2);
    assert.match(noToken.stderr, /--token-file is required/);
    const open = run(['--no-auth', '--host', '0.0.0.0']);
    assert.equal(open.status, 2);
    assert.match(open.stderr, /--no-auth is allowed on a loopback address only/);
    const missing = run(['--token-file', 'nothere.txt']);
    assert.equal(missing.status, 2, missing.stderr);
    assert.equal(missing.stderr.trim(), 'parzen: --token-file nothere.txt: no such file');
  });
});
