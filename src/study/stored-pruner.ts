import { OptionsError, StudyError } from '../errors.js';
import type { Pruner } from '../pruners/pruner.js';
import { createPruner } from '../pruners/registry.js';
import type { PrunerSpec, Storage, StudyRecord } from '../storage/storage.js';
import { canonical, describeSpec } from './stored-spec.js';

/** A pruner as stored with its study (none: `{ name: 'none', options: {} }`). */
export function prunerSpec(p: Pruner | null): PrunerSpec {
  return p === null ? { name: 'none', options: {} } : { name: p.name, options: structuredClone({ ...p.options }) };
}

/** Checks a pruner given as an option: null (none), or an object with a name, options and prune(). */
export function checkPruner(given: unknown, field: string): Pruner | null | undefined {
  if (given === undefined || given === null) return given;
  const p = given as Partial<Pruner>;
  if (typeof given !== 'object' || typeof p.prune !== 'function' || typeof p.name !== 'string' || typeof p.options !== 'object') {
    throw new OptionsError(`${field} must be a pruner, such as median() or hyperband({ minResource: 1 }), or null`);
  }
  return given as Pruner;
}

/**
 * The pruner a study resumes with: its own, rebuilt from its stored name and options, unless the caller gives another
 * and asks to switch (the switch is then stored with the study). A different pruner without `switching` is an error
 * naming both, so that a resumed run, and every process of a distributed study, prunes as the study always did. A
 * study made before pruners were stored takes the one given (recorded) or none.
 */
export async function resumedPruner(
  storage: Storage,
  found: StudyRecord,
  given: Pruner | null | undefined,
  switching: boolean,
): Promise<[StudyRecord, Pruner | null]> {
  const stored = found.pruner ?? null;
  const quoted = JSON.stringify(found.name);
  if (given === undefined) {
    if (stored === null) return [found, null];
    try {
      return [found, createPruner(stored.name, { ...stored.options })];
    } catch (e) {
      throw new StudyError(
        `study ${quoted} was run with pruner ${describeSpec(stored)}, which cannot be rebuilt here (${(e as Error).message}): ` +
          'registerPruner it, give it again as options.pruner, or pass another with switchPruner: true',
      );
    }
  }
  const to = prunerSpec(given);
  if (stored !== null && canonical(to) === canonical(stored)) return [found, given];
  if (stored !== null && !switching) {
    throw new StudyError(
      `study ${quoted} was run with pruner ${describeSpec(stored)}, not ${describeSpec(to)}: leave the pruner out to continue with ` +
        'its own, or pass switchPruner: true (CLI: --switch-pruner) to switch, which is recorded with the study',
    );
  }
  return [await storage.switchPruner(found.id, to), given];
}
