export { hp, HpNode, type Value, type HpName, type Filled } from './space/hp.js';
export { space, spaceEval, SearchSpace, type Params } from './space/space.js';
export { parseSpaceJson, spaceToJson } from './space/json.js';
export type { Dim } from './space/dim.js';
export { random, rand, RandomSampler } from './samplers/random.js';
export { grid, GridSampler, type GridOptions } from './samplers/grid.js';
export { tpe, TpeSampler } from './samplers/tpe/tpe.js';
export type { TpeOptions } from './samplers/tpe/options.js';
export { cmaes, CmaEsSampler, type CmaEsOptions } from './samplers/cmaes.js';
export { evolution, EvolutionSampler, type EvolutionOptions } from './samplers/evolution.js';
export { nsga2, Nsga2Sampler, type Nsga2Options } from './samplers/moo/nsga2.js';
export { motpe, MotpeSampler } from './samplers/moo/motpe.js';
export { hypervolume } from './samplers/moo/hypervolume.js';
export { dominates, nonDominatedSort, paretoFront } from './samplers/moo/pareto.js';
export { gp, GpSampler, type GpOptions } from './samplers/gp/index.js';
export { createSampler, registerSampler, samplerNames, type SamplerFactory } from './samplers/registry.js';
export type { Sampler, SamplerSession, History } from './samplers/sampler.js';
export {
  createStudy,
  Study,
  type StudyOptions,
  type AskOptions,
  type OptimizeOptions,
  type AskedTrial,
  type ConfiguredTrial,
  type Progress,
} from './study/study.js';
export type { RepeatOptions } from './study/repeats.js';
export { fmin, type FminOptions } from './study/fmin.js';
export { workerPool, WorkerPool, type WorkerPoolOptions } from './pool/worker-pool.js';
export type { Objective, ObjectiveContext, ObjectiveModule } from './trial/objective.js';
export { STATUS_OK, STATUS_FAIL } from './trial/objective.js';
export type { ObjectiveSpec } from './study/runner.js';
export type { TrialRecord, TrialResult, TrialState, FailReason, Direction, IntermediateValue } from './trial/trial.js';
export * from './pruners/index.js';
export type { PrunerSpec, PrunerSwitch, Storage, StudyRecord, StudySpec } from './storage/storage.js';
export { MemoryStorage } from './storage/memory.js';
export { openStorage, registerStorage, type StorageOpener } from './storage/open.js';
export { Rng } from './rng.js';
export * from './errors.js';
