// Command-line parsing shared by run.mjs and compare.mjs (commander, as parzen's own CLI): every option checked before
// anything is trained or stored, each error naming the flag and the reason.
import { InvalidArgumentError } from 'commander';

export const positiveInt = (value) => {
  if (!/^\s*\d+\s*$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a positive integer');
  return Number(value);
};

export const nonNegativeInt = (value) => {
  if (!/^\s*\d+\s*$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer');
  return Number(value);
};

export const jsonObject = (value) => {
  let v;
  try {
    v = JSON.parse(value);
  } catch (e) {
    throw new InvalidArgumentError(`must be a JSON object (${e.message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError('must be a JSON object');
  return v;
};

/** The score searched and compared: the validation cross-entropy (continuous) or the error rate. */
export const OBJECTIVES = ['loss', 'error'];

/** The median pruner waits for the fifth epoch: after one epoch the losses are near chance and say little. */
export const defaultPrunerOptions = (pruner) => (pruner === 'median' ? { nWarmupSteps: 4 } : {});

/** A command-line error: said on stderr, naming what was wrong, and exit status 2 (nothing trained or stored after). */
export const fail = (message) => {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
};
