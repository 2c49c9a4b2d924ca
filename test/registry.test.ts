import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSampler, hp, MemoryStorage, openStorage, registerSampler, registerStorage, type Sampler } from '../src/index.js';
import { createStudy } from '../src/study/study.js';

describe('registries', () => {
  it('makes a registered sampler by name, with its options, for createSampler and for studies', async () => {
    const made: Record<string, unknown>[] = [];
    // a sampler that always proposes the low end of x (enough to see it is the one used)
    registerSampler('lowest', (options) => {
      made.push(options);
      const s: Sampler = { name: 'lowest', options, suggest: (_h, n) => Array.from({ length: n }, () => ({ x: 0 })) };
      return s;
    });
    const sampler = createSampler('lowest', { k: 1 });
    assert.deepEqual(made, [{ k: 1 }]);
    const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) }, sampler });
    assert.deepEqual(
      (await study.ask(2)).map((t) => t.params.x),
      [0, 0],
    );
    assert.throws(() => registerSampler('Bad Name', () => sampler), /sampler name "Bad Name"/);
  });

  it('opens a registered storage by its URL scheme, and names the known schemes for an unknown one', async () => {
    const opened: string[] = [];
    registerStorage('scratch', (url) => {
      opened.push(url);
      return new MemoryStorage();
    });
    const storage = await openStorage('scratch://team/a');
    assert.ok(storage instanceof MemoryStorage);
    assert.deepEqual(opened, ['scratch://team/a']);
    await assert.rejects(openStorage('nosuch://x'), /unknown kind.*memory, sqlite, postgres, postgresql, scratch are known/);
  });
});
