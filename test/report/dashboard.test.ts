import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dashboardApp, isLoopback } from '../../src/report/dashboard.js';
import { MemoryStorage } from '../../src/storage/memory.js';

async function withApp(body: (app: ReturnType<typeof dashboardApp>, storage: MemoryStorage) => Promise<void>): Promise<void> {
  const storage = new MemoryStorage();
  const study = await storage.createStudy({
    name: 'demo',
    direction: 'minimize',
    space: { x: { uniform: [0, 1] } },
    sampler: { name: 'random', options: {} },
    seed: 0,
    rng: 'tychei',
  });
  const [t] = await storage.claimTrials(study.id, [{ x: 0.25 }], { owner: 'h:1' });
  await storage.finishTrial(t.id, { state: 'complete', value: 3 });
  const app = dashboardApp(storage);
  try {
    await body(app, storage);
  } finally {
    await app.close();
  }
}

describe('dashboard API', () => {
  it('lists the studies with their counts and best values', async () => {
    await withApp(async (app) => {
      const res = await app.inject({ method: 'GET', url: '/api/studies' });
      assert.equal(res.statusCode, 200);
      const [s] = res.json().studies;
      assert.equal(s.name, 'demo');
      assert.deepEqual(s.counts, { running: 0, complete: 1, pruned: 0, fail: 0 });
      assert.equal(s.best, 3);
    });
  });

  it("serves a study's report data, and sees a trial added after the first read", async () => {
    await withApp(async (app, storage) => {
      const first = (await app.inject({ method: 'GET', url: '/api/study?name=demo' })).json();
      assert.deepEqual(first.trials.value, [3]);
      const [t] = await storage.claimTrials(1, [{ x: 0.5 }], { owner: 'h:1' });
      await storage.finishTrial(t.id, { state: 'complete', value: 1 });
      const second = (await app.inject({ method: 'GET', url: '/api/study?name=demo' })).json();
      assert.deepEqual(second.trials.value, [3, 1]);
      assert.equal(second.best.number, 1);
    });
  });

  it('answers 404 for an unknown study, 400 without a name, and has no route that writes', async () => {
    await withApp(async (app) => {
      assert.equal((await app.inject({ method: 'GET', url: '/api/study?name=nope' })).statusCode, 404);
      assert.equal((await app.inject({ method: 'GET', url: '/api/study' })).statusCode, 400);
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
        assert.equal((await app.inject({ method, url: '/api/studies' })).statusCode, 404, method);
        assert.equal((await app.inject({ method, url: '/api/study?name=demo' })).statusCode, 404, method);
      }
      const page = await app.inject({ method: 'GET', url: '/' });
      assert.equal(page.statusCode, 200);
      assert.match(page.headers['content-type'] as string, /text\/html/);
    });
  });

  it('knows the loopback addresses', () => {
    assert.ok(isLoopback('127.0.0.1') && isLoopback('localhost') && isLoopback('::1'));
    assert.ok(!isLoopback('0.0.0.0') && !isLoopback('192.168.1.2'));
  });
});
