import { type Command, InvalidArgumentError } from 'commander';
import { existsSync } from 'node:fs';
import { OptionsError, StudyError } from '../errors.js';
import { parseSpaceJson } from '../space/json.js';
import { DEFAULT_STORAGE_URL, openStorage, redact } from '../storage/open.js';
import type { Storage, StudyRecord } from '../storage/storage.js';
import { paretoFront } from '../samplers/moo/pareto.js';
import { bestOf, type Direction, type TrialRecord, type TrialState } from '../trial/trial.js';
import { closest, examples, positiveInt } from './args.js';
import { trialJson } from './run.js';
import { formatTable } from './table.js';
import { own } from '../space/own.js';

const STORAGE_HELP = 'where the studies live: sqlite:FILE, postgres://user@host:port/db or memory';

/**
 * Read-only commands over a storage: `parzen studies`, `parzen trials --study NAME`, `parzen best --study NAME`,
 * `parzen export --study NAME`. Human tables by default; `--json` (and `--csv` for trials) for machines.
 */
export function registerInspect(program: Command): void {
  program
    .command('studies')
    .description('list the studies in a storage with their trial counts and best values')
    .option('--storage <url>', STORAGE_HELP, DEFAULT_STORAGE_URL)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      examples(
        'parzen studies                              # the studies in ./parzen.db',
        'parzen studies --storage postgres://me@db:5432/hpo --json',
      ),
    )
    .action(async (o: { storage: string; json?: boolean }) => {
      await withStorage(o.storage, async (storage) => {
        const list = await storage.listStudies();
        if (o.json) {
          const out = list.map((s) => ({ ...studyJson(s), counts: s.counts, best: s.best }));
          return void process.stdout.write(`${JSON.stringify({ studies: out })}\n`);
        }
        if (list.length === 0) return void console.log(`no studies in ${redact(o.storage)}`);
        console.log(
          formatTable([
            ['name', 'direction', 'algo', 'trials', 'complete', 'pruned', 'running', 'failed', 'best', 'created'],
            ...list.map((s) => [
              s.name,
              s.direction,
              s.sampler.name,
              s.counts.running + s.counts.complete + s.counts.pruned + s.counts.fail,
              s.counts.complete,
              s.counts.pruned,
              s.counts.running,
              s.counts.fail,
              s.best,
              isoTime(s.createdAt),
            ]),
          ]),
        );
      });
    });

  program
    .command('trials')
    .description("print a study's trials")
    .requiredOption('--study <name>', 'the study')
    .option('--storage <url>', STORAGE_HELP, DEFAULT_STORAGE_URL)
    .option('--json', 'print JSON (one document with every trial)')
    .option('--csv', 'print CSV, one row per trial: the columns of the JSON, params as params.<label>, attributes as attrs.<key>')
    .option('--state <states>', 'only trials in these states (comma-separated: running, complete, pruned, fail)', stateList)
    .option(
      '--sort <key>',
      "number (default) or value (best first in the study's direction, trials without a value last; several objectives: the Pareto front first)",
      'number',
    )
    .option('--limit <n>', 'at most this many trials (after --state and --sort)', positiveInt)
    .option(
      '--columns <list>',
      'table and CSV columns, comma-separated: number, state, value, params (all) or a label, ms, note, attrs (all) or attrs.KEY',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  parzen trials --study quad --sort value --limit 5\n  parzen trials --study quad --state fail --columns number,note\n  parzen trials --study quad --csv > quad.csv',
    )
    .action(async (o: TrialsFlags) => {
      if (o.json && o.csv) throw new OptionsError('--json and --csv exclude each other');
      if (o.sort !== 'number' && o.sort !== 'value')
        throw new OptionsError(`--sort must be number or value (got ${JSON.stringify(o.sort)})`);
      await withStudy(o.storage, o.study, async (study, all) => {
        const trials = selectTrials(study, all, o);
        if (o.json) return void process.stdout.write(`${JSON.stringify({ study: study.name, trials: trials.map((t) => trialRow(t)) })}\n`);
        const columns = trialColumns(study, all, o.columns, o.csv ? CSV_COLUMNS : TABLE_COLUMNS);
        if (o.csv) return void process.stdout.write(toCsv(columns, trials));
        if (trials.length === 0) return void console.log(`study ${study.name} has no trials${all.length ? ' matching' : ' yet'}`);
        console.log(formatTable([columns.map((c) => c.title), ...trials.map((t) => columns.map((c) => c.get(t)))]));
        if (study.directions && study.directions.length > 1) {
          const front = paretoFront(study.directions, all);
          if (front.length)
            console.log(
              `Pareto front: trial${front.length === 1 ? '' : 's'} ${front.map((t) => t.number).join(', ')} (parzen best shows them)`,
            );
          return;
        }
        const best = bestOf(study.direction, all);
        if (best) {
          const config = configOf(study, best);
          console.log(
            `best: trial ${best.number}, value ${best.value}, params ${JSON.stringify(best.params)}${config === undefined ? '' : `, config ${JSON.stringify(config)}`}`,
          );
        }
      });
    });

  program
    .command('best')
    .description("print a study's best complete trial and the configuration it stands for (several objectives: the Pareto front)")
    .requiredOption('--study <name>', 'the study')
    .option('--storage <url>', STORAGE_HELP, DEFAULT_STORAGE_URL)
    .option('--json', 'print JSON')
    .addHelpText('after', examples('parzen best --study quad', 'parzen best --study quad --json | jq .best.config'))
    .action(async (o: { study: string; storage: string; json?: boolean }) => {
      await withStudy(o.storage, o.study, async (study, trials) => {
        if (study.directions) return printFront(study, study.directions, trials, o.json);
        const best = bestOf(study.direction, trials);
        const config = best ? parseSpaceJson(study.space, `study ${study.name}`).toObject(best.params) : null;
        if (o.json) {
          return void process.stdout.write(
            `${JSON.stringify({ study: study.name, direction: study.direction, best: best && trialRow(best, config) })}\n`,
          );
        }
        if (!best) return void console.log(`study ${study.name}: no trial completed yet (${trials.length} trials)`);
        console.log(`study ${study.name}: best value ${best.value} at trial ${best.number} (${study.direction}, ${trials.length} trials)`);
        console.log(`params ${JSON.stringify(best.params)}`);
        console.log(`config ${JSON.stringify(config)}`);
      });
    });

  program
    .command('export')
    .description('write a study (its definition and every trial) as JSON or CSV')
    .requiredOption('--study <name>', 'the study')
    .option('--storage <url>', STORAGE_HELP, DEFAULT_STORAGE_URL)
    .option('--format <fmt>', 'json or csv', 'json')
    .addHelpText('after', examples('parzen export --study quad > quad.json', 'parzen export --study quad --format csv > quad.csv'))
    .action(async (o: { study: string; storage: string; format: string }) => {
      if (o.format !== 'json' && o.format !== 'csv')
        throw new OptionsError(`--format must be json or csv (got ${JSON.stringify(o.format)})`);
      await withStudy(o.storage, o.study, async (study, trials) => {
        if (o.format === 'csv') return void process.stdout.write(trialsCsv(study, trials));
        const out = { ...studyJson(study), trials: trials.map((t) => trialRow(t)) };
        process.stdout.write(`${JSON.stringify(out)}\n`);
      });
    });
}

/** Opens an existing storage (never creates a SQLite file just to find it empty), runs `body`, closes it. */
export async function withStorage(url: string, body: (s: Storage) => Promise<void>): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path !== ':memory:' && path !== '' && !existsSync(path)) {
      throw new StudyError(`no database at ${path} (storage ${url}); run \`parzen run … --storage ${url}\` first, or pass --storage`);
    }
  }
  const storage = await openStorage(url, { create: false });
  try {
    await body(storage);
  } finally {
    await storage.close();
  }
}

async function withStudy(url: string, name: string, body: (study: StudyRecord, trials: TrialRecord[]) => Promise<void>): Promise<void> {
  await withStorage(url, async (storage) => {
    const study = await storage.getStudy(name);
    if (!study) {
      const names = (await storage.listStudies()).map((s) => s.name);
      const known = names.length
        ? `; studies there: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}`
        : '; it holds no study';
      throw new StudyError(`no study ${JSON.stringify(name)} in ${redact(url)}${known}`);
    }
    await body(study, await storage.trials(study.id));
  });
}

function studyJson(s: StudyRecord): Record<string, unknown> {
  return {
    name: s.name,
    direction: s.direction,
    sampler: s.sampler,
    samplerSwitches: s.samplerSwitches ?? [],
    pruner: s.pruner ?? null,
    prunerSwitches: s.prunerSwitches ?? [],
    seed: s.seed,
    createdAt: s.createdAt,
    space: s.space,
  };
}

/** A trial in JSON output: the run command's shape plus its owner. */
/** `parzen best` of a multi-objective study: its Pareto front (complete feasible trials no other dominates). */
function printFront(study: StudyRecord, directions: readonly Direction[], trials: readonly TrialRecord[], json?: boolean): void {
  const space = parseSpaceJson(study.space, `study ${study.name}`);
  const front = paretoFront(directions, trials);
  if (json) {
    const rows = front.map((t) => trialRow(t, space.toObject(t.params)));
    return void process.stdout.write(`${JSON.stringify({ study: study.name, directions, front: rows })}\n`);
  }
  if (front.length === 0) return void console.log(`study ${study.name}: no feasible trial completed yet (${trials.length} trials)`);
  console.log(
    `study ${study.name}: Pareto front of ${front.length} trial${front.length === 1 ? '' : 's'} (${directions.join(', ')}; ${trials.length} trials)`,
  );
  console.log(
    formatTable([
      ['trial', ...directions.map((d, i) => `value ${i} (${d === 'minimize' ? 'min' : 'max'})`), 'params'],
      ...front.map((t) => [t.number, ...(t.values as number[]), JSON.stringify(t.params)]),
    ]),
  );
}

function trialRow(t: TrialRecord, config?: unknown): Record<string, unknown> {
  return { ...trialJson(t, config), owner: t.owner };
}

/** Parameter labels in the space's order, then any others the trials hold (a space can only grow labels by hand). */
function paramLabels(study: StudyRecord, trials: readonly TrialRecord[]): string[] {
  const seen = new Set<string>();
  for (const t of trials) for (const k of Object.keys(t.params)) seen.add(k);
  let order: string[] = [];
  try {
    order = parseSpaceJson(study.space, `study ${study.name}`).dims.map((d) => d.label);
  } catch {
    // a space this version cannot read still exports its trials
  }
  const ordered = order.filter((l) => seen.has(l));
  return [...ordered, ...[...seen].filter((l) => !ordered.includes(l))];
}

/** RFC 4180 CSV of every trial: the attributes the JSON has (params.<label>, attrs.<key>); inactive params are empty cells. */
export function trialsCsv(study: StudyRecord, trials: readonly TrialRecord[]): string {
  return toCsv(trialColumns(study, trials, undefined, CSV_COLUMNS), trials);
}

function toCsv(columns: readonly Column[], trials: readonly TrialRecord[]): string {
  const rows = [columns.map((c) => c.title), ...trials.map((t) => columns.map((c) => c.get(t)))];
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

interface TrialsFlags {
  study: string;
  storage: string;
  json?: boolean;
  csv?: boolean;
  state?: TrialState[];
  sort: string;
  limit?: number;
  columns?: string;
}

const STATES: readonly TrialState[] = ['running', 'complete', 'pruned', 'fail'];
const TABLE_COLUMNS = 'number,state,value,params,ms,note';
const CSV_COLUMNS = 'number,state,value,started_at,finished_at,duration_ms,fail_reason,fail_message,owner,params,attrs';

function stateList(value: string): TrialState[] {
  const states = value.split(',').map((s) => s.trim());
  for (const s of states) {
    if (!STATES.includes(s as TrialState))
      throw new InvalidArgumentError(`must be a comma-separated list of ${STATES.join(', ')} (bad item ${JSON.stringify(s)})`);
  }
  return states as TrialState[];
}

/** The trials `parzen trials` shows: filtered by state, sorted, cut to the limit. */
function selectTrials(study: StudyRecord, all: readonly TrialRecord[], o: TrialsFlags): TrialRecord[] {
  let out = o.state ? all.filter((t) => o.state?.includes(t.state)) : [...all];
  if (o.sort === 'value' && study.directions && study.directions.length > 1) {
    // several objectives: the Pareto front first, each part in number order
    const front = new Set(paretoFront(study.directions, all));
    out.sort((a, b) => (front.has(a) ? 0 : 1) - (front.has(b) ? 0 : 1) || a.number - b.number);
  } else if (o.sort === 'value') {
    const sign = study.direction === 'minimize' ? 1 : -1;
    out.sort(
      (a, b) => (a.value === null ? 1 : 0) - (b.value === null ? 1 : 0) || sign * ((a.value ?? 0) - (b.value ?? 0)) || a.number - b.number,
    );
  }
  if (o.limit !== undefined) out = out.slice(0, o.limit);
  return out;
}

interface Column {
  title: string;
  get: (t: TrialRecord) => unknown;
}

/** Columns by name; `params` and `attrs` expand to one column per label / key the trials hold. */
function trialColumns(study: StudyRecord, trials: readonly TrialRecord[], spec: string | undefined, fallback: string): Column[] {
  const labels = paramLabels(study, trials);
  const attrKeys = [...new Set(trials.flatMap((t) => Object.keys(t.attrs)))];
  const csv = fallback === CSV_COLUMNS;
  const named: Record<string, Column> = {
    number: { title: csv ? 'number' : '#', get: (t) => t.number },
    state: { title: 'state', get: (t) => t.state },
    value: { title: 'value', get: (t) => t.value },
    ...Object.fromEntries(valueColumns(study, csv)),
    started_at: { title: 'started_at', get: (t) => isoTime(t.startedAt) },
    finished_at: { title: 'finished_at', get: (t) => (t.finishedAt === null ? null : isoTime(t.finishedAt)) },
    duration_ms: { title: 'duration_ms', get: duration },
    ms: { title: 'ms', get: duration },
    fail_reason: { title: 'fail_reason', get: (t) => t.failReason },
    fail_message: { title: 'fail_message', get: (t) => t.failMessage },
    note: { title: 'note', get: note },
    owner: { title: 'owner', get: (t) => t.owner },
  };
  const param = (l: string): Column => ({ title: csv ? `params.${l}` : l, get: (t) => own(t.params, l) });
  const attr = (k: string): Column => ({ title: `attrs.${k}`, get: (t) => own(t.attrs, k) });
  const out: Column[] = [];
  for (const raw of (spec ?? fallback).split(',')) {
    const name = raw.trim();
    if (name === 'value' && study.directions && study.directions.length > 1) out.push(...valueColumns(study, csv).map(([, c]) => c));
    else if (name === 'params') out.push(...labels.map(param));
    else if (name === 'attrs') out.push(...attrKeys.map(attr));
    else if (name.startsWith('attrs.')) out.push(attr(name.slice('attrs.'.length)));
    else if (named[name]) out.push(named[name]);
    else if (labels.includes(name) || name.startsWith('params.')) out.push(param(name.replace(/^params\./, '')));
    else {
      const known = [...Object.keys(named), 'params', 'attrs', ...labels];
      const near = closest(name, known);
      throw new OptionsError(
        `--columns: no column ${JSON.stringify(name)}${near ? ` (did you mean ${near}?)` : ''}; columns: ${known.join(', ')}`,
      );
    }
  }
  return out;
}

/** Several objectives: a column per objective (`value 0 (min)`, CSV `values.0`), named value0, value1, … in --columns. */
function valueColumns(study: StudyRecord, csv: boolean): [string, Column][] {
  return (study.directions && study.directions.length > 1 ? study.directions : []).map((d, i) => [
    `value${i}`,
    { title: csv ? `values.${i}` : `value ${i} (${d === 'minimize' ? 'min' : 'max'})`, get: (t: TrialRecord) => t.values?.[i] ?? null },
  ]);
}

/** The config a trial's params stand for, or undefined when this version cannot read the study's space. */
function configOf(study: StudyRecord, t: TrialRecord): unknown {
  try {
    return parseSpaceJson(study.space, `study ${study.name}`).toObject(t.params);
  } catch {
    return undefined;
  }
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Why a trial failed, or the step a pruned trial stopped at. */
function note(t: TrialRecord): string {
  if (t.failReason) return `${t.failReason}: ${t.failMessage}`;
  if (t.state === 'pruned') {
    const last = t.intermediate?.at(-1);
    return last ? `pruned at step ${last.step}` : 'pruned before any report';
  }
  return '';
}

function duration(t: TrialRecord): number | null {
  return t.finishedAt === null ? null : t.finishedAt - t.startedAt;
}
