import { parseSpaceJson } from '../space/json.js';
import type { SearchSpace } from '../space/space.js';
import type { StudyRecord } from '../storage/storage.js';
import { paretoFront } from '../samplers/moo/pareto.js';
import { bestOf, compareValues, type Direction, isFeasible, type TrialRecord, type TrialState } from '../trial/trial.js';
import { contourGrid, type ContourData } from './contour.js';
import { MIN_TRIALS_FOR_IMPORTANCE, type ParamImportance, pedAnova } from './importance.js';
import { assignLanes } from './lanes.js';

/** One parameter's values over the trials, in trial order. */
export interface ParamColumn {
  readonly label: string;
  readonly kind: 'numeric' | 'choice';
  /** A numeric parameter drawn on a log scale. */
  readonly log: boolean;
  /** A choice's options as text (constants as JSON-ish text, branches as "#i" or "#i name"). */
  readonly options?: string[];
  /** Inside a branch of a choice: inactive in some trials. */
  readonly conditional: boolean;
  /** The value (a choice: its option's index), or null where the parameter is inactive. */
  readonly values: (number | null)[];
}

/** A learning curve: the intermediate values a trial reported, by step. */
export interface Curve {
  readonly number: number;
  readonly state: TrialState;
  readonly steps: number[];
  readonly values: number[];
}

/**
 * Everything the report's page draws, computed on the server (importances and the contour included) so the page
 * only renders. Trials are stored by column: a 10,000-trial study stays a few hundred kilobytes of JSON.
 */
export interface ReportData {
  readonly generatedAt: number;
  readonly study: {
    readonly name: string;
    readonly direction: StudyRecord['direction'];
    readonly sampler: StudyRecord['sampler'];
    readonly seed: number;
    readonly createdAt: number;
    readonly space: unknown;
  };
  readonly counts: Record<TrialState, number>;
  readonly trials: {
    readonly number: number[];
    readonly state: TrialState[];
    readonly value: (number | null)[];
    readonly startedAt: number[];
    readonly finishedAt: (number | null)[];
    /** The last intermediate value a trial reported, else null (where a pruned trial sits in the history). */
    readonly last: (number | null)[];
    /** Index into `lanes`. */
    readonly lane: number[];
    /** Why a trial failed, else null. */
    readonly note: (string | null)[];
  };
  readonly lanes: string[];
  readonly params: ParamColumn[];
  readonly best: { readonly number: number; readonly value: number; readonly params: unknown; readonly config: unknown } | null;
  /** PED-ANOVA importances, by decreasing importance; empty with too few complete trials. */
  readonly importance: ParamImportance[];
  readonly importanceMethod: string;
  readonly contour: ContourData | null;
  readonly curves: Curve[];
  /** Trials that reported intermediate values (curves holds a sample of them when there are many). */
  readonly curvesTotal: number;
  /** A study with several objectives (else null); `best` is then null. */
  readonly objectives: ObjectivesData | null;
}

/** The objectives of a multi-objective study, by trial (in the order of `trials`). */
export interface ObjectivesData {
  readonly directions: readonly Direction[];
  /** Every objective's value of a complete trial, else null. */
  readonly values: (readonly number[] | null)[];
  /** False for a complete trial that violates a constraint. */
  readonly feasible: boolean[];
  /** Indices (into the trials) of the Pareto front: the complete feasible trials no other dominates. */
  readonly front: number[];
}

/** At most this many learning curves go into a report: the best half of them and an even spread of the rest. */
export const MAX_CURVES = 200;

/** The `intermediate` field the pruning layer adds to trial records (sorted by step; absent or empty when none). */
type WithIntermediate = TrialRecord & { readonly intermediate?: readonly { step: number; value: number }[] };

/** Builds the report's data for a study and its trials (in number order). `now` ends running trials on the timeline. */
export function reportData(study: StudyRecord, trials: readonly TrialRecord[], now = Date.now()): ReportData {
  const space = readSpace(study);
  const rows = trials.map((_, i) => i);
  const params = space ? columnsFromSpace(space, trials) : columnsFromTrials(trials);
  const lanes = assignLanes(trials, now);
  const counts: Record<TrialState, number> = { running: 0, complete: 0, pruned: 0, fail: 0 };
  for (const t of trials) counts[t.state]++;
  const directions = study.directions ?? null;
  const best = directions ? null : bestOf(study.direction, trials);
  const importance = space ? pedAnova(space, study.direction, trials) : [];
  const top = importance.filter((p) => p.importance > 0).slice(0, 2);
  const byLabel = new Map(params.map((p) => [p.label, p]));
  const contour =
    top.length === 2 ? contourGrid(byLabel.get(top[0].label) as ParamColumn, byLabel.get(top[1].label) as ParamColumn, trials, rows) : null;
  const withCurves = (trials as readonly WithIntermediate[]).filter((t) => (t.intermediate?.length ?? 0) > 0);
  return {
    generatedAt: now,
    study: {
      name: study.name,
      direction: study.direction,
      sampler: study.sampler,
      seed: study.seed,
      createdAt: study.createdAt,
      space: study.space,
    },
    counts,
    trials: {
      number: trials.map((t) => t.number),
      state: trials.map((t) => t.state),
      value: trials.map((t) => t.value),
      startedAt: trials.map((t) => t.startedAt),
      finishedAt: trials.map((t) => t.finishedAt),
      last: (trials as readonly WithIntermediate[]).map((t) => t.intermediate?.at(-1)?.value ?? null),
      lane: lanes.laneOf,
      note: trials.map((t) => (t.failReason ? `${t.failReason}${t.failMessage ? `: ${t.failMessage}` : ''}` : null)),
    },
    lanes: lanes.names,
    params,
    best: best && {
      number: best.number,
      value: best.value as number,
      params: best.params,
      config: space ? safe(() => space.toObject(best.params)) : null,
    },
    importance,
    importanceMethod:
      importance.length > 0
        ? 'PED-ANOVA (local): Pearson divergence between the Parzen density of a parameter among the top 10% of complete trials and among all of them'
        : `PED-ANOVA needs at least ${MIN_TRIALS_FOR_IMPORTANCE} complete trials`,
    contour,
    curves: sampleCurves(withCurves, study.direction).map((t) => ({
      number: t.number,
      state: t.state,
      steps: (t.intermediate ?? []).map((p) => p.step),
      values: (t.intermediate ?? []).map((p) => p.value),
    })),
    curvesTotal: withCurves.length,
    objectives: directions && objectivesData(directions, trials),
  };
}

function objectivesData(directions: readonly Direction[], trials: readonly TrialRecord[]): ObjectivesData {
  const index = new Map(trials.map((t, i) => [t.number, i]));
  return {
    directions,
    values: trials.map((t) => (t.state === 'complete' && t.values ? t.values : null)),
    feasible: trials.map((t) => isFeasible(t)),
    front: paretoFront(directions, trials).map((t) => index.get(t.number) as number),
  };
}

function readSpace(study: StudyRecord): SearchSpace | null {
  // a space this version cannot read still gets a report, with columns guessed from the trials
  return safe(() => parseSpaceJson(study.space, `study ${study.name}`));
}

function safe<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}

function columnsFromSpace(space: SearchSpace, trials: readonly TrialRecord[]): ParamColumn[] {
  return space.dims.map((dim) => {
    const d = dim.dist;
    if (d.kind === 'choice') {
      return {
        label: dim.label,
        kind: 'choice',
        log: false,
        options: d.options.map((o, i) => optionText(o, i, dim.recordsOption)),
        conditional: dim.parent !== null,
        values: trials.map((t) => {
          const v = t.params[dim.label];
          const i = v === undefined ? -1 : dim.optionIndex(v);
          return i < 0 ? null : i;
        }),
      };
    }
    return {
      label: dim.label,
      kind: 'numeric',
      log: d.kind !== 'int' && d.log,
      conditional: dim.parent !== null,
      values: trials.map((t) => {
        const v = t.params[dim.label];
        return typeof v === 'number' ? v : null;
      }),
    };
  });
}

/** Without a readable space: numbers are numeric columns, anything else a choice among the values seen. */
function columnsFromTrials(trials: readonly TrialRecord[]): ParamColumn[] {
  const labels = [...new Set(trials.flatMap((t) => Object.keys(t.params)))];
  return labels.map((label) => {
    const vs = trials.map((t) => t.params[label]);
    const conditional = vs.some((v) => v === undefined);
    if (vs.every((v) => v === undefined || typeof v === 'number')) {
      return { label, kind: 'numeric', log: false, conditional, values: vs.map((v) => (v === undefined ? null : v)) };
    }
    const options = [...new Set(vs.filter((v) => v !== undefined).map((v) => JSON.stringify(v)))];
    return {
      label,
      kind: 'choice',
      log: false,
      options,
      conditional,
      values: vs.map((v) => (v === undefined ? null : options.indexOf(JSON.stringify(v)))),
    };
  });
}

function optionText(option: unknown, i: number, isConstant: boolean): string {
  if (isConstant) return typeof option === 'string' ? option : JSON.stringify(option);
  const name = option !== null && typeof option === 'object' && 'name' in option ? option.name : undefined;
  return typeof name === 'string' || typeof name === 'number' ? `#${i} ${name}` : `#${i}`;
}

/** The best half (by last intermediate value) and an even spread of the others, in trial order. */
function sampleCurves(trials: readonly WithIntermediate[], direction: StudyRecord['direction']): WithIntermediate[] {
  if (trials.length <= MAX_CURVES) return [...trials];
  const last = (t: WithIntermediate) => t.intermediate?.at(-1)?.value ?? NaN;
  const ranked = [...trials].sort((a, b) => compareValues(direction, last(a), last(b)));
  const keep = new Set(ranked.slice(0, MAX_CURVES / 2));
  const rest = ranked.slice(MAX_CURVES / 2);
  const stride = rest.length / (MAX_CURVES / 2);
  for (let k = 0; k < MAX_CURVES / 2; k++) keep.add(rest[Math.floor(k * stride)]);
  return trials.filter((t) => keep.has(t));
}
