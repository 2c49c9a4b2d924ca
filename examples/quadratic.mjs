// The hyperopt README example: minimize x² − x + 1 over x ∈ [−5, 5] (minimum 0.75 at x = 0.5).
//   npx parzen run examples/quadratic.mjs --max-evals 1000
import { hp } from 'parzen-hpo';

export const space = hp.uniform('x', -5, 5);

export default function objective(x) {
  return x ** 2 - x + 1;
}
