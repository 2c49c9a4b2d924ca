import { OptionsError } from '../errors.js';
import { CmaEsSampler } from './cmaes.js';
import { EvolutionSampler } from './evolution.js';
import { GpSampler } from './gp/sampler.js';
import { GridSampler } from './grid.js';
import { MotpeSampler } from './moo/motpe.js';
import { Nsga2Sampler } from './moo/nsga2.js';
import { RandomSampler } from './random.js';
import type { Sampler } from './sampler.js';
import { TpeSampler } from './tpe/tpe.js';

/** Makes a sampler from its JSON options. */
export type SamplerFactory = (options: Record<string, unknown>) => Sampler;
type Factory = SamplerFactory;

/** Sampler names shared by the API, the CLI, the bench and storage. */
const factories = new Map<string, Factory>([
  ['random', (o) => new RandomSampler(o as Record<string, never>)],
  ['grid', (o) => new GridSampler(o)],
  ['tpe', (o) => new TpeSampler(o)],
  ['cmaes', (o) => new CmaEsSampler(o)],
  ['evolution', (o) => new EvolutionSampler(o)],
  ['gp', (o) => new GpSampler(o)],
  ['nsga2', (o) => new Nsga2Sampler(o)],
  ['motpe', (o) => new MotpeSampler(o)],
]);

/** Makes a sampler from its name and JSON options (as given on the CLI or stored with a study). */
export function createSampler(name: string, options: Record<string, unknown> = {}): Sampler {
  const f = factories.get(name);
  if (!f) throw new OptionsError(`unknown algorithm ${JSON.stringify(name)}; known: ${samplerNames().join(', ')}`);
  return f(options);
}

export function samplerNames(): string[] {
  return [...factories.keys()];
}

/**
 * Adds a sampler under `name` for the API, the CLI's --algo and studies resumed from storage (which rebuild their
 * sampler by its stored name and options). A sampler should pass the sampler conformance suite (test/conformance/sampler.ts).
 */
export function registerSampler(name: string, factory: Factory): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new OptionsError(`sampler name ${JSON.stringify(name)}: use lower-case letters, digits and -`);
  factories.set(name, factory);
}
