import { DEFAULT_GENERATOR } from '../rng.js';
import { StudyError, TrialStateError } from '../errors.js';
import type { Params } from '../space/space.js';
import type { TrialRecord, TrialResult, TrialState } from '../trial/trial.js';
import { bestOf } from '../trial/trial.js';
import { alreadyFinished, finishRecord, freeze, NO_ATTRS, notRunning, staleMessage } from './schema.js';
import {
  type ClaimOptions,
  countsAgainstBudget,
  type PrunerSpec,
  type PrunerSwitch,
  type SamplerSpec,
  type SamplerSwitch,
  type Storage,
  type StudyRecord,
  type StudySpec,
  type StudySummary,
} from './storage.js';
import { setOwn } from '../space/own.js';

/** A study's trials by number, and how many of them count against a budget (kept as they change: no scan per claim). */
interface StudyTrials {
  readonly list: TrialRecord[];
  counted: number;
  /** The last report's seq. */
  seq: number;
}

/**
 * Studies in this process's memory: the default of the API, gone when the process ends.
 * Records are frozen (record, params, attrs), so they are shared with callers rather than copied on every read.
 */
export class MemoryStorage implements Storage {
  private studies: StudyRecord[] = [];
  private nextStudyId = 1;
  private readonly queues = new Map<number, Params[]>();
  private readonly trialsByStudy = new Map<number, StudyTrials>();
  private readonly byId = new Map<number, TrialRecord>();
  private nextTrialId = 1;
  /** Trial ids of each keyed claim (`ClaimOptions.key`), by study id and key. */
  private readonly claims = new Map<string, number[]>();

  async createStudy(spec: StudySpec): Promise<StudyRecord> {
    if (this.studies.some((s) => s.name === spec.name)) throw new StudyError(`study ${JSON.stringify(spec.name)} already exists`);
    const rec: StudyRecord = Object.freeze({
      rng: DEFAULT_GENERATOR,
      ...structuredClone(spec),
      directions: spec.directions ? Object.freeze([...spec.directions]) : null,
      id: this.nextStudyId++,
      createdAt: Date.now(),
      samplerSwitches: [],
      pruner: structuredClone(spec.pruner ?? { name: 'none', options: {} }),
      prunerSwitches: [],
    });
    this.studies.push(rec);
    this.trialsByStudy.set(rec.id, { list: [], counted: 0, seq: 0 });
    return rec;
  }

  async switchSampler(studyId: number, to: SamplerSpec): Promise<StudyRecord> {
    const i = this.studies.findIndex((s) => s.id === studyId);
    if (i < 0) throw new StudyError(`study id ${studyId} does not exist`);
    const cur = this.studies[i];
    const change: SamplerSwitch = { from: cur.sampler, to: structuredClone(to), atTrial: this.study(studyId).list.length, at: Date.now() };
    const rec: StudyRecord = Object.freeze({
      ...cur,
      sampler: change.to,
      samplerSwitches: Object.freeze([...(cur.samplerSwitches ?? []), change]),
    });
    this.studies[i] = rec;
    return rec;
  }

  async switchPruner(studyId: number, to: PrunerSpec): Promise<StudyRecord> {
    const i = this.studies.findIndex((s) => s.id === studyId);
    if (i < 0) throw new StudyError(`study id ${studyId} does not exist`);
    const cur = this.studies[i];
    const change: PrunerSwitch = {
      from: cur.pruner ?? null,
      to: structuredClone(to),
      atTrial: this.study(studyId).list.length,
      at: Date.now(),
    };
    const rec: StudyRecord = Object.freeze({
      ...cur,
      pruner: change.to,
      prunerSwitches: Object.freeze([...(cur.prunerSwitches ?? []), change]),
    });
    this.studies[i] = rec;
    return rec;
  }

  async getStudy(name: string): Promise<StudyRecord | null> {
    return this.studies.find((s) => s.name === name) ?? null;
  }

  async listStudies(): Promise<StudySummary[]> {
    return this.studies.map((s) => {
      const trials = this.trialsByStudy.get(s.id)?.list ?? [];
      const counts: Record<TrialState, number> = { running: 0, complete: 0, pruned: 0, fail: 0 };
      for (const t of trials) counts[t.state]++;
      return { ...s, counts, best: bestOf(s.direction, trials)?.value ?? null };
    });
  }

  async claimTrials(studyId: number, params: readonly Params[], options: ClaimOptions): Promise<TrialRecord[]> {
    const st = this.study(studyId);
    const { list } = st;
    const claimKey = options.key === undefined ? null : `${studyId}|${options.key}`;
    const earlier = claimKey === null ? undefined : this.claims.get(claimKey);
    if (earlier) return earlier.map((id) => this.byId.get(id) as TrialRecord);
    let room = params.length;
    if (options.budget !== undefined) room = Math.min(room, Math.max(0, options.budget - st.counted));
    const queue = this.queues.get(studyId) ?? [];
    if (queue.length && options.queue !== false) params = [...queue.splice(0, room), ...params];
    const now = Date.now();
    const out: TrialRecord[] = [];
    for (let i = 0; i < room; i++) {
      const rec = freeze({
        id: this.nextTrialId++,
        studyId,
        number: list.length,
        state: 'running',
        params: copyParams(params[i]),
        value: null,
        values: null,
        constraints: null,
        failReason: null,
        failMessage: null,
        attrs: NO_ATTRS,
        startedAt: now,
        finishedAt: null,
        heartbeatAt: now,
        owner: options.owner,
        leaseMs: options.leaseMs ?? null,
        leaseUntil: options.leaseMs === undefined ? null : now + options.leaseMs,
      });
      list.push(rec);
      this.byId.set(rec.id, rec);
      out.push(rec);
    }
    st.counted += room; // running trials count
    if (claimKey !== null && out.length > 0)
      this.claims.set(
        claimKey,
        out.map((t) => t.id),
      );
    return out;
  }

  async finishTrial(trialId: number, result: TrialResult): Promise<TrialRecord> {
    const cur = this.byId.get(trialId);
    if (!cur) throw new TrialStateError(`trial id ${trialId} does not exist`);
    if (cur.state !== 'running') throw alreadyFinished(cur);
    return this.replace(finishRecord(cur, result, Date.now()));
  }

  async report(trialId: number, step: number, value: number): Promise<TrialRecord> {
    const cur = this.byId.get(trialId);
    if (!cur) throw new TrialStateError(`trial id ${trialId} does not exist`);
    if (cur.state !== 'running') throw notRunning(cur);
    const iv = cur.intermediate ?? [];
    let at = iv.length;
    while (at > 0 && iv[at - 1].step >= step) at--;
    if (at < iv.length && iv[at].step === step) return cur;
    const entry = Object.freeze({ step, value, seq: ++this.study(cur.studyId).seq });
    const intermediate = Object.freeze([...iv.slice(0, at), entry, ...iv.slice(at)]);
    return this.replace(freeze({ ...cur, intermediate }));
  }

  async trials(studyId: number, sinceNumber = 0): Promise<TrialRecord[]> {
    return this.study(studyId).list.slice(sinceNumber);
  }

  async heartbeat(trialIds: readonly number[]): Promise<void> {
    const now = Date.now();
    for (const id of trialIds) {
      const t = this.byId.get(id);
      if (t && t.state === 'running') {
        this.replace(freeze({ ...t, heartbeatAt: now, leaseUntil: t.leaseMs === null ? null : now + t.leaseMs }));
      }
    }
  }

  async failStale(studyId: number): Promise<TrialRecord[]> {
    const now = Date.now();
    const stale = this.study(studyId).list.filter((t) => t.state === 'running' && t.leaseUntil !== null && t.leaseUntil < now);
    return stale.map((t) =>
      this.replace(finishRecord(t, { state: 'fail', reason: 'stale', message: staleMessage(now, t.heartbeatAt, t.leaseMs) }, now)),
    );
  }

  async enqueue(studyId: number, params: readonly Params[]): Promise<void> {
    this.study(studyId);
    const queue = this.queues.get(studyId) ?? [];
    queue.push(...params.map(copyParams));
    this.queues.set(studyId, queue);
  }

  async queued(studyId: number): Promise<Params[]> {
    this.study(studyId);
    return [...(this.queues.get(studyId) ?? [])];
  }

  async deleteStudy(name: string): Promise<boolean> {
    const s = this.studies.find((x) => x.name === name);
    if (!s) return false;
    this.studies = this.studies.filter((x) => x !== s);
    for (const t of this.trialsByStudy.get(s.id)?.list ?? []) this.byId.delete(t.id);
    this.trialsByStudy.delete(s.id);
    this.queues.delete(s.id);
    return true;
  }

  async renameStudy(from: string, to: string): Promise<StudyRecord> {
    const i = this.studies.findIndex((x) => x.name === from);
    if (i < 0) throw new StudyError(`no study ${JSON.stringify(from)}`);
    if (this.studies.some((x, j) => x.name === to && j !== i)) throw new StudyError(`study ${JSON.stringify(to)} already exists`);
    this.studies[i] = Object.freeze({ ...this.studies[i], name: to });
    return this.studies[i];
  }

  async close(): Promise<void> {}

  private study(studyId: number): StudyTrials {
    const st = this.trialsByStudy.get(studyId);
    if (!st) throw new StudyError(`study id ${studyId} does not exist`);
    return st;
  }

  /** Stores `rec` in place of its previous version (same id and number). */
  private replace(rec: TrialRecord): TrialRecord {
    const st = this.study(rec.studyId);
    const prev = st.list[rec.number];
    if (countsAgainstBudget(prev) && !countsAgainstBudget(rec)) st.counted--;
    st.list[rec.number] = rec;
    this.byId.set(rec.id, rec);
    return rec;
  }
}

/**
 * A copy of a sampler's point that the caller can no longer change. Params are flat label → primitive value, so a
 * shallow copy is a deep one (structuredClone costs several times more); anything else is cloned.
 */
function copyParams(p: Params): Params {
  const copy: Record<string, Params[string]> = {};
  for (const k of Object.keys(p)) {
    const v = p[k];
    if (v !== null && typeof v === 'object') return structuredClone(p);
    setOwn(copy, k, v);
  }
  return copy;
}
