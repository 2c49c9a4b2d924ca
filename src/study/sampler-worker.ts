/**
 * The sampler thread's entry (see sampler-thread.ts): rebuilds the study's sampler from its registry name and
 * options and its space from JSON, keeps a mirror of the history the runner shows it, and answers asks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Rng } from '../rng.js';
import { createSampler } from '../samplers/registry.js';
import { openSession, type SamplerSession } from '../samplers/sampler.js';
import { parseSpaceJson } from '../space/json.js';
import type { TrialRecord } from '../trial/trial.js';
import type { AskMessage, AnswerMessage, SamplerThreadData } from './sampler-thread.js';

const data = workerData as SamplerThreadData;
const sampler = createSampler(data.sampler, { ...data.options });
const space = parseSpaceJson(data.space);
/** The mirror of the history ('') and of each pruner group's trials, each with its own session. */
const mirrors = new Map<string, { trials: TrialRecord[]; session: SamplerSession }>();
const port = parentPort as NonNullable<typeof parentPort>;

port.on('message', (m: AskMessage) => void answer(m));
port.postMessage({ ready: true } satisfies AnswerMessage);

async function answer(m: AskMessage): Promise<void> {
  let mirror = mirrors.get(m.group ?? '');
  if (!mirror) mirrors.set(m.group ?? '', (mirror = { trials: [], session: openSession(sampler) }));
  const { trials, session } = mirror;
  for (const [i, t] of m.changes) {
    // A trial's params never change: keep the object the sampler has seen (its caches are keyed by it).
    const old = trials[i];
    trials[i] = old !== undefined && old.number === t.number ? { ...t, params: old.params } : t;
  }
  trials.length = m.length;
  try {
    const points = await session.suggest(
      { space, direction: data.direction, seed: data.seed, generator: data.generator, trials, settled: m.settled },
      m.n,
      Rng.derive(...m.rng),
    );
    port.postMessage({ id: m.id, points } satisfies AnswerMessage);
  } catch (e) {
    port.postMessage({ id: m.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) } satisfies AnswerMessage);
  }
}
