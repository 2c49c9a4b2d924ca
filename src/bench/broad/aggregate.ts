import { median } from '../../stats.js';

/**
 * Aggregates over problems for choosing defaults, never problem by problem. For each problem the candidates are
 * ranked by median final regret (ties share the mean rank), the rank normalised to [0, 1] (0 best); a candidate's
 * score is its mean over the problems. The mean of log10(median regret + 1e-12) is reported beside it.
 */
export function aggregate(
  results: Record<string, Record<string, number[]>>,
): Record<string, { meanNormalisedRank: number; meanLog10Regret: number }> {
  const candidates = Object.keys(results);
  const problems = Object.keys(results[candidates[0]] ?? {});
  const out: Record<string, { meanNormalisedRank: number; meanLog10Regret: number }> = {};
  for (const c of candidates) out[c] = { meanNormalisedRank: 0, meanLog10Regret: 0 };
  for (const p of problems) {
    const med = candidates.map((c) => median(results[c][p]));
    candidates.forEach((c, i) => {
      const below = med.filter((m) => m < med[i]).length;
      const equal = med.filter((m) => m === med[i]).length;
      const rank = below + (equal - 1) / 2;
      out[c].meanNormalisedRank += (candidates.length > 1 ? rank / (candidates.length - 1) : 0) / problems.length;
      out[c].meanLog10Regret += Math.log10(Math.max(med[i], 0) + 1e-12) / problems.length;
    });
  }
  return out;
}
