import { resolve } from 'node:path';
import { OptionsError, SpaceError } from '../errors.js';
import { HpNode } from '../space/hp.js';
import { parseSpaceJson } from '../space/json.js';
import { type SearchSpace, space as compileSpace } from '../space/space.js';
import type { Objective } from '../trial/objective.js';
import type { Direction } from '../trial/trial.js';
import { importModule } from '../pool/import.js';
import { readFlagFile } from './files.js';

export interface LoadedObjective {
  objective: Objective;
  /** The module's `space` export, compiled; null if it has none. */
  space: SearchSpace | null;
  /** The module's `directions` export (several objectives), checked; null if it has none. */
  directions: Direction[] | null;
}

/** Imports an objective module: its default export (or `exportName`) and its optional `space` export. */
export async function loadObjective(modulePath: string, exportName = 'default'): Promise<LoadedObjective> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(modulePath); // .ts through tsx, as in the pool workers
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' && err.message.includes(resolve(modulePath))) {
      throw new OptionsError(`objective module ${modulePath} not found`);
    }
    throw new OptionsError(`objective module ${modulePath} failed to load: ${err.message}`);
  }
  const objective = mod[exportName];
  if (typeof objective !== 'function') {
    const found = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new OptionsError(
      `objective module ${modulePath} has no function export ${JSON.stringify(exportName)}` +
        (found.length ? ` (function exports: ${found.join(', ')}; pick one with --export)` : ''),
    );
  }
  return {
    objective: objective as Objective,
    space: mod.space === undefined ? null : spaceFromModule(mod.space, modulePath),
    directions: mod.directions === undefined ? null : directionsFromModule(mod.directions, modulePath),
  };
}

/** A module's `directions` export: an array of at least two of 'minimize' and 'maximize'. */
function directionsFromModule(d: unknown, modulePath: string): Direction[] {
  if (!Array.isArray(d) || d.length < 2 || d.some((x) => x !== 'minimize' && x !== 'maximize'))
    throw new OptionsError(
      `${modulePath} export directions must be an array of at least 2 of "minimize" and "maximize" (got ${JSON.stringify(d)})`,
    );
  return d as Direction[];
}

/** A module's `space` export may be an hp.* tree or the JSON form. */
function spaceFromModule(tree: unknown, modulePath: string): SearchSpace {
  return containsHpNode(tree) ? compileSpace(tree) : parseSpaceJson(tree, `${modulePath} export space`);
}

function containsHpNode(node: unknown): boolean {
  if (node instanceof HpNode) return true;
  if (node === null || typeof node !== 'object') return false;
  return Object.values(node).some(containsHpNode);
}

/** Reads a JSON space file; errors name the file and the JSON path. */
export function loadSpaceFile(file: string): SearchSpace {
  const text = readFlagFile('--space', file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SpaceError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseSpaceJson(json, file);
}
