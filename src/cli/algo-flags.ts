import { createPruner, knownPrunerNames } from '../pruners/registry.js';
import type { Pruner } from '../pruners/pruner.js';
import { createSampler, samplerNames } from '../samplers/registry.js';
import type { Sampler } from '../samplers/sampler.js';
import { space as compileSpace } from '../space/space.js';
import { asFlag, checkName } from './args.js';

/** The sampler of --algo and --algo-options; errors name the flag (a misspelt name gets a "did you mean"). */
export function samplerFromFlags(name: string, options: Record<string, unknown> | undefined): Sampler {
  checkName('--algo', name, samplerNames());
  return asFlag('--algo-options', () => createSampler(name, { ...options }));
}

/** The sampler's limits on the space (grid: points for continuous parameters), met before the study is made, naming --algo-options. */
export function checkSamplerSpace(sampler: Sampler, space: unknown): void {
  if (sampler.checkSpace) asFlag('--algo-options', () => sampler.checkSpace?.(compileSpace(space)));
}

/** The pruner of --pruner and --pruner-options (null for none); errors name the flag. */
export function prunerFromFlags(name: string, options: Record<string, unknown> | undefined): Pruner | null {
  checkName('--pruner', name, knownPrunerNames());
  return asFlag('--pruner-options', () => createPruner(name, options));
}
