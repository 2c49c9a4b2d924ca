import { StudyError, TrialStateError } from '../errors.js';
import type { Params } from '../space/space.js';
import type { TrialRecord, TrialResult, TrialState } from '../study/trial.js';
import { bestOf } from '../study/trial.js';
import { alreadyFinished } from './schema.js';
import {
  type ClaimOptions, countsAgainstBudget, type Storage, type StudyRecord, type StudySpec, type StudySummary,
} from './storage.js';

/** Studies in this process's memory: the default of the API, gone when the process ends. */
export class MemoryStorage implements Storage {
  private readonly studies: StudyRecord[] = [];
  private readonly trialsByStudy = new Map<number, TrialRecord[]>();
  private readonly byId = new Map<number, TrialRecord>();
  private nextTrialId = 1;

  async createStudy(spec: StudySpec): Promise<StudyRecord> {
    if (this.studies.some((s) => s.name === spec.name)) throw new StudyError(`study ${JSON.stringify(spec.name)} already exists`);
    const rec: StudyRecord = Object.freeze({ ...structuredClone(spec), id: this.studies.length + 1, createdAt: Date.now() });
    this.studies.push(rec);
    this.trialsByStudy.set(rec.id, []);
    return rec;
  }

  async getStudy(name: string): Promise<StudyRecord | null> {
    return this.studies.find((s) => s.name === name) ?? null;
  }

  async listStudies(): Promise<StudySummary[]> {
    return this.studies.map((s) => {
      const trials = this.trialsByStudy.get(s.id) ?? [];
      const counts: Record<TrialState, number> = { running: 0, complete: 0, pruned: 0, fail: 0 };
      for (const t of trials) counts[t.state]++;
      return { ...s, counts, best: bestOf(s.direction, trials)?.value ?? null };
    });
  }

  async claimTrials(studyId: number, params: readonly Params[], options: ClaimOptions): Promise<TrialRecord[]> {
    const list = this.study(studyId);
    let room = params.length;
    if (options.budget !== undefined) {
      let used = 0;
      for (const t of list) if (countsAgainstBudget(t)) used++;
      room = Math.min(room, Math.max(0, options.budget - used));
    }
    const now = Date.now();
    const out: TrialRecord[] = [];
    for (let i = 0; i < room; i++) {
      const rec = freeze({
        id: this.nextTrialId++, studyId, number: list.length, state: 'running', params: structuredClone(params[i]),
        value: null, failReason: null, failMessage: null, attrs: {}, startedAt: now, finishedAt: null, heartbeatAt: now,
        owner: options.owner,
      });
      list.push(rec);
      this.byId.set(rec.id, rec);
      out.push(rec);
    }
    return out;
  }

  async finishTrial(trialId: number, result: TrialResult): Promise<TrialRecord> {
    const cur = this.byId.get(trialId);
    if (!cur) throw new TrialStateError(`trial id ${trialId} does not exist`);
    if (cur.state !== 'running') throw alreadyFinished(cur);
    return this.replace(finishRecord(cur, result, Date.now()));
  }

  async trials(studyId: number, sinceNumber = 0): Promise<TrialRecord[]> {
    return this.study(studyId).slice(sinceNumber);
  }

  async heartbeat(trialIds: readonly number[]): Promise<void> {
    const now = Date.now();
    for (const id of trialIds) {
      const t = this.byId.get(id);
      if (t && t.state === 'running') this.replace(freeze({ ...t, heartbeatAt: now }));
    }
  }

  async failStale(studyId: number, staleAfterMs: number): Promise<TrialRecord[]> {
    const now = Date.now();
    const stale = this.study(studyId).filter((t) => t.state === 'running' && now - t.heartbeatAt > staleAfterMs);
    return stale.map((t) =>
      this.replace(finishRecord(t, { state: 'fail', reason: 'stale', message: `no heartbeat for ${now - t.heartbeatAt} ms` }, now)),
    );
  }

  async close(): Promise<void> {}

  private study(studyId: number): TrialRecord[] {
    const list = this.trialsByStudy.get(studyId);
    if (!list) throw new StudyError(`study id ${studyId} does not exist`);
    return list;
  }

  private replace(rec: TrialRecord): TrialRecord {
    this.study(rec.studyId)[rec.number] = rec;
    this.byId.set(rec.id, rec);
    return rec;
  }
}

/** The record a running trial becomes when `result` is applied at `now` (shared by every backend). */
export function finishRecord(cur: TrialRecord, result: TrialResult, now: number): TrialRecord {
  return freeze({
    ...cur,
    state: result.state,
    value: result.state === 'complete' ? result.value : null,
    failReason: result.state === 'fail' ? result.reason : null,
    failMessage: result.state === 'fail' ? result.message : null,
    attrs: { ...cur.attrs, ...(result.attrs ?? {}) },
    finishedAt: now,
  });
}

function freeze(t: TrialRecord): TrialRecord {
  Object.freeze(t.params);
  Object.freeze(t.attrs);
  return Object.freeze(t);
}
