import { StudyError } from '../errors.js';
import { type Generator, GENERATORS, isGenerator } from '../rng.js';
import { createSampler, samplerNames } from '../samplers/registry.js';
import type { Sampler } from '../samplers/sampler.js';
import type { Storage, StudyRecord } from '../storage/storage.js';
import { canonical, describeSpec } from './stored-spec.js';

// What a resumed study draws from: the sampler and random generator stored with it.

/**
 * The sampler a study resumes with: its own, rebuilt from its stored name and options, unless the caller gives
 * another and asks to switch (the switch is then stored with the study). A different sampler without
 * `switchSampler` is an error naming both: a resume never changes the search silently.
 */
export async function resumedSampler(
  storage: Storage,
  found: StudyRecord,
  given: Sampler | undefined,
  switching: boolean,
): Promise<[StudyRecord, Sampler]> {
  const quoted = JSON.stringify(found.name);
  const stored = found.sampler;
  if (given === undefined) {
    if (!samplerNames().includes(stored.name)) {
      throw new StudyError(
        `study ${quoted} was run with sampler ${JSON.stringify(stored.name)}, unknown here: registerSampler it, or pass options.sampler with switchSampler: true`,
      );
    }
    return [found, createSampler(stored.name, { ...stored.options })];
  }
  const to = { name: given.name, options: given.options ?? {} };
  if (canonical(to) === canonical(stored)) return [found, given];
  if (!switching) {
    throw new StudyError(
      `study ${quoted} was run with sampler ${describeSpec(stored)}, not ${describeSpec(to)}: leave the sampler out to continue ` +
        'with its own, or pass switchSampler: true (CLI: --switch-algo) to switch, which is recorded with the study',
    );
  }
  return [await storage.switchSampler(found.id, structuredClone(to)), given];
}

/**
 * The study record to resume with: its own generator. One this version no longer has (e.g. 'sfc32', before
 * seedrandom) continues only with a generator the caller names, since every later suggestion then differs.
 */
export function withGenerator(found: StudyRecord, asked: Generator | undefined): StudyRecord {
  const quoted = JSON.stringify(found.name);
  if (isGenerator(found.rng)) {
    if (asked !== undefined && asked !== found.rng) {
      throw new StudyError(`study ${quoted} draws from the random generator ${found.rng}, not ${asked}: resume it without options.rng`);
    }
    return found;
  }
  if (asked === undefined) {
    throw new StudyError(
      `study ${quoted} was made with the random generator ${JSON.stringify(found.rng)}, which this version of parzen does not have; ` +
        `resume it with options.rng (${GENERATORS.join(' or ')}) to continue with other random streams`,
    );
  }
  return { ...found, rng: asked };
}
