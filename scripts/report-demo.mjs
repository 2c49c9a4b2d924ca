// The objective of the screenshots (scripts/screenshots.mjs): a mock training run over a conditional space that
// takes 20-60 ms, fails now and then, and reports a learning curve when the context can take one.
export const space = {
  lr: { loguniform: [-9.2, 0] },
  layers: { uniformint: [1, 6] },
  width: { quniform: [16, 256, 16] },
  optimizer: {
    choice: [
      { name: 'sgd', momentum: { uniform: [0, 0.99] } },
      { name: 'adam', beta2: { uniform: [0.9, 0.9999] } },
    ],
  },
  activation: { choice: ['relu', 'tanh', 'gelu'] },
};

export default async function objective(c, ctx) {
  const lrTerm = (Math.log10(c.lr) + 2.5) ** 2 / 4;
  const opt = c.optimizer.name === 'sgd' ? 0.3 * (1 - c.optimizer.momentum) : 0.05;
  const loss = 0.1 + lrTerm + opt + 0.02 * Math.abs(c.layers - 3) + 10 / c.width / 10 + (c.activation === 'tanh' ? 0.08 : 0);
  if (c.lr > 0.5) throw new Error('diverged: loss is NaN at epoch 2');
  const epochs = 8;
  for (let e = 1; e <= epochs; e++) {
    await new Promise((r) => setTimeout(r, 3 + Math.random() * 5));
    ctx?.report?.(e, loss + 1.5 / e);
  }
  return loss;
}
