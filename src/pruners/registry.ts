import { didYouMean } from '../did-you-mean.js';
import { OptionsError } from '../errors.js';
import { HyperbandPruner } from './hyperband.js';
import { PatientPruner } from './patient.js';
import { MedianPruner, PercentilePruner } from './percentile.js';
import type { Pruner } from './pruner.js';
import { SuccessiveHalvingPruner } from './successive-halving.js';
import { ThresholdPruner } from './threshold.js';

/** The pruner names the CLI accepts (`none`: no pruning; `patient` alone prunes on patience only). */
export const prunerNames = ['median', 'percentile', 'asha', 'hyperband', 'threshold', 'patient', 'none'] as const;
export type PrunerName = (typeof prunerNames)[number];

/** Makes a pruner from its JSON options. */
export type PrunerFactory = (options: Record<string, unknown>) => Pruner;

/** Pruners added with registerPruner. */
const registered = new Map<string, PrunerFactory>();

/**
 * Adds a pruner under `name` for the API, the CLI's --pruner and studies resumed from storage, which rebuild their
 * pruner from its stored name and options: a study made with a custom pruner then resumes with it, in every process
 * that registered it. The pruner's `name` should be this name, and its `options` what the factory takes.
 */
export function registerPruner(name: string, factory: PrunerFactory): void {
  if (!/^[a-z][a-zA-Z0-9-]*$/.test(name))
    throw new OptionsError(`pruner name ${JSON.stringify(name)}: use letters, digits and -, starting lower-case`);
  if (builtIn.has(name)) throw new OptionsError(`pruner name ${JSON.stringify(name)} is built in`);
  registered.set(name, factory);
}

const builtIn = new Set<string>([...prunerNames, 'successiveHalving']);

/** Every name createPruner takes: the built-in ones (with successiveHalving, asha's API name) and the registered ones. */
export function knownPrunerNames(): string[] {
  return [...builtIn, ...registered.keys()];
}

/**
 * A pruner by CLI name with its options (`--pruner-options`), or null for 'none'; also 'patient' as stored with a
 * study, and the pruners added with registerPruner.
 */
export function createPruner(name: string, options: Record<string, unknown> = {}): Pruner | null {
  const custom = registered.get(name);
  if (custom) return custom(options);
  switch (name) {
    case 'none':
      if (Object.keys(options).length) throw new OptionsError('the pruner "none" takes no options');
      return null;
    case 'median':
      return new MedianPruner(options);
    case 'percentile':
      return new PercentilePruner(options);
    case 'asha':
    case 'successiveHalving':
      return new SuccessiveHalvingPruner(options);
    case 'hyperband':
      return new HyperbandPruner(options);
    case 'threshold':
      return new ThresholdPruner(options);
    case 'patient': {
      // as stored with a study: the wrapped pruner's name and options among the options
      const { wrapped, ...rest } = options as { wrapped?: { name?: unknown; options?: Record<string, unknown> } };
      if (wrapped !== undefined && (wrapped === null || typeof wrapped !== 'object' || typeof wrapped.name !== 'string'))
        throw new OptionsError('options.wrapped of the patient pruner must be { name, options }');
      return new PatientPruner(wrapped ? createPruner(wrapped.name as string, wrapped.options ?? {}) : null, rest);
    }
    default:
      throw new OptionsError(
        `pruner must be one of ${[...prunerNames, ...registered.keys()].join(', ')} (got ${JSON.stringify(name)})${didYouMean(name, knownPrunerNames())}`,
      );
  }
}
