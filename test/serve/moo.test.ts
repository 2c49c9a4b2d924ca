import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ParzenClient, ServeError } from '../../src/client/client.js';
import { dominates } from '../../src/samplers/moo/pareto.js';
import { buildServer } from '../../src/serve/server.js';
import { MemoryStorage } from '../../src/storage/memory.js';

const TOKEN = 'a-test-token-of-some-length';
const auth = { authorization: `Bearer ${TOKEN}` };
const space = { x: { uniform: [0, 1] }, y: { uniform: [0, 1] } };
const f = (c: { x: number; y: number }) => [c.x, (1 + 9 * c.y) * (1 - Math.sqrt(c.x / (1 + 9 * c.y)))];

describe('parzen serve: studies with several objectives', () => {
  const storage = new MemoryStorage();
  const app = buildServer({ storage, token: TOKEN });
  after(() => app.close());
  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object, headers: auth });
  const get = (url: string) => app.inject({ method: 'GET', url, headers: auth });

  it('creates a study with directions, takes values and constraints, and answers the feasible front', async () => {
    const created = await post('/studies', { name: 'm', space, directions: ['minimize', 'minimize'], seed: 2 });
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual(created.json().study.directions, ['minimize', 'minimize']);
    const told: { number: number; values: number[]; x: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const [t] = (await post('/studies/m/ask', { n: 1 })).json().trials as { number: number; config: { x: number; y: number } }[];
      const values = f(t.config);
      const r = await post('/studies/m/tell', { number: t.number, values, constraints: [t.config.x - 0.5] });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json().trial.constraints, [t.config.x - 0.5]);
      told.push({ number: t.number, values, x: t.config.x });
    }
    const front = (await get('/studies/m/best')).json().front as { number: number }[];
    const feasible = told.filter((t) => t.x <= 0.5);
    const brute = feasible.filter((t) => !feasible.some((o) => dominates(o.values, t.values)));
    assert.deepEqual(
      front.map((t) => t.number),
      brute.map((t) => t.number),
    );
  });

  it('answers 400 naming the field for bad directions, a missing values, or a single-objective algorithm', async () => {
    const cases: [Awaited<ReturnType<typeof post>>, RegExp][] = [
      [await post('/studies', { name: 'b1', space, directions: ['minimize'] }), /body\/?\.?directions/],
      [await post('/studies', { name: 'b2', space, directions: ['minimize', 'up'] }), /directions/],
      [await post('/studies', { name: 'b3', space, direction: 'minimize', directions: ['minimize', 'maximize'] }), /exclusive/],
      [
        await post('/studies', { name: 'b4', space, directions: ['minimize', 'maximize'], algo: 'cmaes' }),
        /body.algo: cmaes optimizes one objective/,
      ],
    ];
    await post('/studies', { name: 'mm', space, directions: ['minimize', 'maximize'] });
    const [t] = (await post('/studies/mm/ask', { n: 1 })).json().trials as { number: number }[];
    cases.push([await post('/studies/mm/tell', { number: t.number, value: 1 }), /body.values is required/]);
    for (const [r, why] of cases) {
      assert.equal(r.statusCode, 400, r.body);
      assert.match(r.json().message, why);
    }
    assert.equal(await storage.getStudy('b4'), null);
  });

  it('the TypeScript client creates such a study, tells values and reads the front', async () => {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const client = new ParzenClient(url, { token: TOKEN });
    await client.createStudy({ name: 'c', space, directions: ['minimize', 'maximize'], algo: 'nsga2', options: { populationSize: 4 } });
    for (let i = 0; i < 8; i++) {
      const [t] = await client.ask<{ x: number; y: number }>('c');
      const [a, b] = f(t.config);
      const stored = await client.tellValues('c', t.number, [a, -b]);
      assert.deepEqual(stored.values, [a, -b]);
    }
    const front = await client.front('c');
    assert.ok(front.length > 0 && front.every((t) => t.values?.length === 2));
    await assert.rejects(client.tell('c', 0, 1), (e: unknown) => e instanceof ServeError && e.status === 400);
  });
});
