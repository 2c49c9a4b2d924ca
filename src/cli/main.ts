#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { ParzenError, StorageError } from '../errors.js';
import { registerBench } from './bench.js';
import { registerInspect } from './inspect.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerServe } from './serve.js';
import { registerStudyCommands } from './study-commands.js';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

/** Exit codes: 0 success, 1 a failure while running (a storage that fails included), 2 bad usage or input (flags, spaces, options). */
async function main(argv: string[]): Promise<number> {
  const program = new Command('parzen')
    .description('hyperparameter optimization: random, grid and model-based search over hyperopt-style spaces')
    .version(version)
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerRun(program);
  registerBench(program);
  registerInspect(program);
  registerStudyCommands(program);
  registerReport(program);
  registerServe(program);
  for (const c of program.commands) c.exitOverride();
  for (const c of program.commands.flatMap((c) => c.commands)) c.exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has already printed its one-line message (or the help)
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof ParzenError) {
      process.stderr.write(`parzen: ${e.message}\n`);
      return e instanceof StorageError ? 1 : 2;
    }
    process.stderr.write(`parzen: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.PARZEN_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}

// A closed pipe (`parzen … | head`) ends output quietly instead of crashing.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

void main(process.argv).then((code) => {
  // a command may have set a distinct status of its own (run: 3 when other processes hold part of the budget)
  if (code !== 0 || !process.exitCode) process.exitCode = code;
});
