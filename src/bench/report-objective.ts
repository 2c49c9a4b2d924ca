/**
 * The objective of the report-cost measurement of `bench pruning`: reports `steps` values one after another, awaiting
 * each answer, and returns how long a report took on average (ms), measured where the objective runs.
 */
import type { ObjectiveContext } from '../trial/objective.js';

export default async function reportLoop(x: number, ctx: ObjectiveContext): Promise<{ value: number; msPerReport: number }> {
  const steps = 200;
  const t0 = performance.now();
  for (let step = 0; step < steps; step++) await ctx.report(step, x + 1 / (1 + step));
  return { value: x, msPerReport: (performance.now() - t0) / steps };
}
