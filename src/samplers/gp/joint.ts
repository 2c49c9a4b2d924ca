import { OptionsError } from '../../errors.js';
import type { Rng } from '../../rng.js';
import type { Params } from '../../space/space.js';
import { type Direction, isFeasible, type TrialRecord } from '../../trial/trial.js';
import { hypervolume } from '../moo/hypervolume.js';
import { minimized } from '../moo/pareto.js';
import { violation } from '../moo/split.js';
import type { History } from '../sampler.js';
import { logEI } from './acquisition.js';
import { Ehvi, logNormalCdf, millsRatio, OBJECTIVE_TIE, referencePoint, resolvedFront } from './ehvi.js';
import type { InputEncoding } from './encoding.js';
import { jointField, type JointScore } from './field.js';
import type { Surrogate } from './model.js';
import { maximizeAcquisition } from './search.js';
import { lengthAfter, trustBox } from './trust.js';

/** With trustRegion 'auto', the number of GP inputs from which the search uses a trust region (as one objective). */
const TRUST_REGION_MIN_DIM = 6;
/** Smallest variance used in the constraint terms (as in LogEI). */
const MIN_VAR = 1e-20;
/**
 * Several objectives: a trial is a trust-region success when it raises the hypervolume of the earlier feasible trials
 * (standardised, below the reference point) by more than this fraction, as TuRBO's 1e-3 on one objective.
 */
const HV_SUCCESS = 1e-3;
/** Most front points whose exclusive hypervolume is computed to choose the incumbents (3+ objectives). */
const CONTRIBUTION_SAMPLE = 48;

/** What the joint path needs of the GP sampler: its options and how it fits one output. */
export interface JointContext {
  readonly nStartup: number;
  readonly nCandidates: number;
  readonly trustRegion: boolean | 'auto';
  /** noise 'deterministic': the incumbent of LogEI is the best observation, not the best posterior mean. */
  readonly deterministic: boolean;
  /** The single objective's GP over the complete trials (by number), then the pruned ones. */
  objective(history: History, complete: readonly TrialRecord[], enc: InputEncoding): Surrogate;
  /** A GP on x and y (minimised) for one objective of several, or for one constraint (≤ 0 satisfied). */
  output(history: History, x: Float64Array, y: Float64Array, enc: InputEncoding, kind: 'objective' | 'constraint'): Surrogate;
  /** How many GPs an ask fits (so the hyperparameter cache keeps each). */
  setOutputs(k: number): void;
}

export interface JointInput {
  complete: readonly TrialRecord[];
  pending: readonly TrialRecord[];
  /** Keys of the points already taken (suggestions join it). */
  keys: Set<string>;
  enc: InputEncoding;
}

/**
 * The number of constraints of the complete trials (0: unconstrained). Trials without constraints are allowed (they
 * count as feasible and stay out of the constraint GPs); two different counts are refused.
 */
export function constraintCount(trials: readonly TrialRecord[]): number {
  let count = 0;
  let first: TrialRecord | null = null;
  for (const t of trials) {
    const c = t.constraints?.length ?? 0;
    if (c === 0) continue;
    if (first && c !== count) {
      throw new OptionsError(
        `gp: trial ${t.number} has ${c} constraints and trial ${first.number} has ${count}; constraints must give the same number of values in every trial`,
      );
    }
    first ??= t;
    count = c;
  }
  return count;
}

/**
 * GP Bayesian optimisation of several objectives and/or under constraints (Optuna's GPSampler, BoTorch's
 * qLogEHVI and constrained LogEI):
 *
 * - one GP per objective (each minimised, warped and standardised as the single-objective GP does) on every complete
 *   trial, feasible or not, and one GP per constraint (standardised, not warped; its threshold 0 standardised alike);
 * - acquisition: log EI over the best feasible value (one objective) or log EHVI over the feasible Pareto front
 *   (several; `Ehvi`, exact, in the standardised objectives, reference point `referencePoint` of every complete trial,
 *   the front `resolvedFront`: objective differences below 1e-9 sd are ties),
 *   plus Σ log P(c_i(x) ≤ 0); before any trial is feasible, Σ log P(c_i(x) ≤ 0) alone;
 * - batches and running trials: kriging believer in every GP; a fantasised point joins the front (or sets the
 *   incumbent) when the posterior means of its constraints are satisfied;
 * - trust region (from 6 inputs, as with one objective): a success is a feasible trial better than every earlier
 *   feasible one (one objective) or one that raises their hypervolume by more than 1e-3 of it (several); centred on
 *   the best feasible trial or the front point of the largest exclusive hypervolume, or, before any feasible trial,
 *   the least violating.
 */
export function suggestJoint(ctx: JointContext, history: History, n: number, rng: Rng, input: JointInput): Params[] {
  const { enc, keys, pending } = input;
  const directions = history.directions ?? [history.direction];
  const m = directions.length;
  const trials = [...input.complete]
    .filter((t) => m === 1 || (t.values?.length === m && t.values.every(Number.isFinite)))
    .sort((a, b) => a.number - b.number);
  const c = constraintCount(trials);
  ctx.setOutputs(m + c);
  const D = enc.d;
  const inputsOf = (list: readonly TrialRecord[]) => {
    const x = new Float64Array(list.length * D);
    list.forEach((t, i) => enc.inputs(t.params, x.subarray(i * D, (i + 1) * D)));
    return x;
  };
  const x = inputsOf(trials);
  const lossOf = (t: TrialRecord): number[] =>
    m === 1 ? minimized([t.value as number], directions) : minimized(t.values as number[], directions);

  let models: Surrogate[] = [];
  const thresholds: number[] = [];
  try {
    if (m === 1) models.push(ctx.objective(history, input.complete, enc));
    else {
      for (let k = 0; k < m; k++) {
        const y = Float64Array.from(trials, (t) => lossOf(t)[k]);
        models.push(ctx.output(history, x, y, enc, 'objective'));
      }
    }
    const constrained = trials.filter((t) => t.constraints?.length === c && c > 0);
    const xc = inputsOf(constrained);
    for (let i = 0; i < c; i++) {
      const model = ctx.output(
        history,
        xc,
        Float64Array.from(constrained, (t) => (t.constraints as number[])[i]),
        enc,
        'constraint',
      );
      models.push(model);
      thresholds.push(-model.scale.mean / model.scale.std);
    }

    // Observed objectives, standardised: the points of the front and of the reference point.
    const single = m === 1 ? (ctx.deterministic ? models[0].z : models[0].fittedMeans()) : null;
    const observed = trials.map((_, i) => (single ? [single[i]] : models.slice(0, m).map((model) => model.z[i])));
    const feasible = trials.map((t) => isFeasible(t));
    const ref = m > 1 ? referencePoint(observed, m) : [];
    const believed: number[][] = observed.filter((_, i) => feasible[i]);

    // Running trials: every GP believes its posterior mean there.
    const fantasize = (px: Float64Array, k: number) => {
      const before = models.map((model) => model.n);
      const next = models.map((model) => model.withFantasies(px, k));
      models.forEach((model) => model.dispose());
      models = next;
      for (let p = 0; p < k; p++) {
        let ok = true;
        for (let i = 0; i < c; i++) if (models[m + i].z[before[m + i] + p] > thresholds[i]) ok = false;
        if (ok) believed.push(models.slice(0, m).map((model, o) => model.z[before[o] + p]));
      }
    };
    if (pending.length > 0) fantasize(inputsOf(pending), pending.length);

    const incumbents = incumbentsOf(trials, feasible, observed, ref, m, enc, rng);
    const nc = trials.length;
    const global = Math.max(256, Math.round(ctx.nCandidates * Math.min(1, 100 / nc)));
    const useTrust = ctx.trustRegion === true || (ctx.trustRegion === 'auto' && D >= TRUST_REGION_MIN_DIM);
    const box = useTrust
      ? trustBox(incumbents[0], lengthAfter(trustSuccesses(trials, feasible, observed, ref, directions, ctx.nStartup), D), enc.categorical)
      : undefined;
    const search = { global, local: Math.max(64, global >> 2), incumbents, starts: nc > 200 ? 3 : 5, maxIter: 40, box };

    const out: Params[] = [];
    for (let j = 0; j < n; j++) {
      const score = jointScore(m, thresholds, believed, ref);
      const pick = maximizeAcquisition(jointField(models, score), enc, rng, search, (k) => keys.has(k));
      const params = pick ? pick.params : randomPoint(history, rng, keys);
      keys.add(history.space.key(params));
      out.push(params);
      if (j < n - 1) fantasize(pick ? pick.inputs : enc.inputs(params), 1);
    }
    return out;
  } finally {
    for (const model of models) model.dispose();
  }
}

/**
 * The acquisition over the outputs [objectives…, constraints…] (standardised): log EI below the best believed
 * feasible value (one objective) or log EHVI over the believed feasible front (several), plus log P(c_i ≤ t_i) per
 * constraint; the constraint terms alone while nothing is feasible.
 */
function jointScore(
  m: number,
  thresholds: readonly number[],
  feasible: readonly (readonly number[])[],
  ref: readonly number[],
): JointScore {
  const c = thresholds.length;
  let objective: ((mean: Float64Array, variance: Float64Array, dMean?: Float64Array, dVar?: Float64Array) => number) | null = null;
  if (feasible.length > 0 && m === 1) {
    let best = Infinity;
    for (const p of feasible) best = Math.min(best, p[0]);
    objective = (mean, variance, dMean, dVar) => {
      const a = logEI(mean[0], variance[0], best);
      if (dMean && dVar) {
        dMean[0] = a.dMean;
        dVar[0] = a.dVar;
      }
      return a.value;
    };
  } else if (feasible.length > 0 || (c === 0 && m > 1)) {
    const ehvi = Ehvi.of(
      resolvedFront(feasible).map((i) => feasible[i]),
      ref,
    );
    objective = (mean, variance, dMean, dVar) =>
      ehvi.log(mean.subarray(0, m), variance.subarray(0, m), dMean?.subarray(0, m), dVar?.subarray(0, m));
  }
  return (mean, variance, dMean, dVar) => {
    let value = 0;
    if (objective) value += objective(mean, variance, dMean, dVar);
    else if (dMean && dVar) {
      dMean.fill(0, 0, m);
      dVar.fill(0, 0, m);
    }
    for (let i = 0; i < c; i++) {
      const o = m + i;
      const v = Math.max(variance[o], MIN_VAR);
      const sigma = Math.sqrt(v);
      const z = (thresholds[i] - mean[o]) / sigma;
      value += logNormalCdf(z);
      if (dMean && dVar) {
        const r = millsRatio(z); // d log Φ(z)/dz
        dMean[o] = -r / sigma;
        dVar[o] = variance[o] > MIN_VAR ? (-z * r) / (2 * v) : 0;
      }
    }
    return value;
  };
}

/**
 * Trust-region history after the initial design: a success is a feasible trial better than every earlier feasible
 * one by TuRBO's 1e-3 (one objective), or one that raises the hypervolume of the earlier feasible trials (standardised
 * objectives `observed`, below `ref`, ties up to `OBJECTIVE_TIE`) by more than `HV_SUCCESS` of it (several). Merely
 * entering the front is not enough: with three objectives most early trials do, and a point with one objective at its
 * bound (DTLZ2's x0 = 1) always does, so the region grew to the whole cube and stayed there.
 */
export function trustSuccesses(
  trials: readonly TrialRecord[],
  feasible: readonly boolean[],
  observed: readonly (readonly number[])[],
  ref: readonly number[],
  directions: readonly Direction[],
  nStartup: number,
): boolean[] {
  const out: boolean[] = [];
  let front: (readonly number[])[] = [];
  let volume = 0;
  let best = Infinity;
  trials.forEach((t, i) => {
    let success = false;
    if (feasible[i] && directions.length === 1) {
      const loss = minimized([t.value as number], directions)[0];
      success = best === Infinity || loss < best - 1e-3 * Math.abs(best);
      best = Math.min(best, loss);
    } else if (feasible[i]) {
      const y = observed[i];
      if (!front.some((q) => q.every((v, k) => v <= y[k] + OBJECTIVE_TIE))) {
        const gain = improvement(front, y, ref);
        success = gain > HV_SUCCESS * volume;
        volume += gain;
        front = [...front.filter((q) => !y.every((v, k) => v <= q[k])), y];
      }
    }
    if (i >= nStartup) out.push(success);
  });
  return out;
}

/**
 * The hypervolume `y` adds to `front` below `ref`: its box [y, ref] less the part the front already covers, which is
 * the hypervolume of the front's points clipped to that box (max(q, y)), few of which stay non-dominated. One such
 * volume per trial keeps the replay of the trust region quick where recomputing the front's whole hypervolume was
 * not (4 objectives, 300 trials on a large front: 90 s).
 */
function improvement(front: readonly (readonly number[])[], y: readonly number[], ref: readonly number[]): number {
  let box = 1;
  for (let k = 0; k < y.length; k++) box *= Math.max(0, ref[k] - y[k]);
  if (box === 0) return 0;
  const clipped = front.map((q) => q.map((v, k) => Math.max(v, y[k])));
  const covered = hypervolume(
    resolvedFront(clipped, 0).map((i) => clipped[i]),
    ref,
  );
  return Math.max(0, box - covered);
}

/**
 * Raw points of up to three trials to search around, best first: the best feasible values (one objective), the front
 * points of the largest exclusive hypervolume (several), or, while none is feasible, the least violating trials.
 */
function incumbentsOf(
  trials: readonly TrialRecord[],
  feasible: readonly boolean[],
  observed: readonly (readonly number[])[],
  ref: readonly number[],
  m: number,
  enc: InputEncoding,
  rng: Rng,
): Float64Array[] {
  let order: number[];
  const ok = trials.map((_, i) => i).filter((i) => feasible[i]);
  if (ok.length === 0) {
    order = trials.map((_, i) => i).sort((a, b) => violation(trials[a].constraints) - violation(trials[b].constraints) || a - b);
  } else if (m === 1) {
    order = ok.sort((a, b) => observed[a][0] - observed[b][0] || a - b);
  } else {
    const front = resolvedFront(ok.map((i) => observed[i])).map((k) => ok[k]);
    let sample = front;
    if (m > 2 && front.length > CONTRIBUTION_SAMPLE) sample = rng.shuffle([...front]).slice(0, CONTRIBUTION_SAMPLE);
    const points = front.map((i) => observed[i]);
    const total = hypervolume(points, ref);
    const contribution = new Map<number, number>();
    for (const i of sample) {
      contribution.set(
        i,
        total -
          hypervolume(
            points.filter((_, k) => front[k] !== i),
            ref,
          ),
      );
    }
    order = sample.sort((a, b) => (contribution.get(b) as number) - (contribution.get(a) as number) || a - b);
  }
  return order.slice(0, 3).map((i) => enc.raw(trials[i].params, () => rng.uniform()));
}

function randomPoint(history: History, rng: Rng, keys: Set<string>): Params {
  let p = history.space.sample(rng);
  for (let r = 0; r < 32 && keys.has(history.space.key(p)); r++) p = history.space.sample(rng);
  return p;
}
