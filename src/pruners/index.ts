export type { Pruner, PruneContext, TrialGroups } from './pruner.js';
export { median, percentile, MedianPruner, PercentilePruner, type PercentileOptions } from './percentile.js';
export { successiveHalving, SuccessiveHalvingPruner, rungDecisions, type SuccessiveHalvingOptions } from './successive-halving.js';
export { hyperband, HyperbandPruner, type HyperbandOptions } from './hyperband.js';
export { threshold, ThresholdPruner, type ThresholdOptions } from './threshold.js';
export { patient, PatientPruner, type PatientOptions } from './patient.js';
export { createPruner, prunerNames, registerPruner, type PrunerFactory } from './registry.js';
