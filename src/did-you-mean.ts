/**
 * The nearest known name to a misspelt one, for error messages ("did you mean maxEvals?"), or null when none is close.
 * Names are compared case-, '_'- and '-'-insensitively (so `max_evals` finds `maxEvals`), then by optimal string
 * alignment distance (a swap of two letters costs 1), accepting at most 1 edit for names up to 4 letters, 2 beyond.
 */
export function nearestName(given: string, known: Iterable<string>): string | null {
  const g = fold(given);
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = osaDistance(g, fold(k));
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best !== null && bestD <= (g.length <= 4 ? 1 : 2) ? best : null;
}

/** `; did you mean "x"?` for a message, or '' when nothing known is close. */
export function didYouMean(given: string, known: Iterable<string>): string {
  const n = nearestName(given, known);
  return n === null ? '' : `; did you mean ${n}?`;
}

function fold(s: string): string {
  return s.toLowerCase().replace(/[-_]/g, '');
}

/** Edit distance with insertions, deletions, substitutions and adjacent transpositions. */
function osaDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d = Array.from({ length: m + 1 }, (_, i) => [i, ...Array<number>(n).fill(0)]);
  for (let j = 0; j <= n; j++) d[0][j] = j;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[m][n];
}
