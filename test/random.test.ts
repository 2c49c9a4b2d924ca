import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OptionsError } from '../src/errors.js';
import { createSampler } from '../src/samplers/registry.js';
import { random } from '../src/samplers/random.js';
import { samplerConformance } from './conformance/sampler.js';

samplerConformance('random', () => random());

describe('random search options', () => {
  it('rejects any option, naming the sampler and the key (it takes none)', () => {
    const named = (e: unknown) => e instanceof OptionsError && /^random: unknown option "bogus"; it takes no options$/.test(e.message);
    assert.throws(() => random({ bogus: 1 } as never), named);
    assert.throws(() => createSampler('random', { bogus: 1 }), named);
    assert.equal(createSampler('random', {}).name, 'random');
  });
});
