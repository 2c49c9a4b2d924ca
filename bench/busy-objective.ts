/**
 * The `bench pool` objective: busy-waits `config.ms` milliseconds of CPU (no sleeping, so a worker is fully
 * occupied, as with a real CPU-bound objective) and returns x.
 */
export default function busy(config: { x: number; ms: number }): number {
  const end = performance.now() + config.ms;
  let spins = 0;
  while (performance.now() < end) spins++;
  return config.x + spins * 0;
}
