/**
 * The `bench pool` objective: busy-waits `config.ms` milliseconds of CPU (no sleeping, so a worker is fully
 * occupied, as with a real CPU-bound objective) and returns x. The same loop as the floor's (pool-floor.ts).
 * Everything it returns is read before the loop: code compiled while the loop runs (on-stack replacement) then
 * has type feedback for the whole function and is not thrown away at the first return, which otherwise costs each
 * new worker several recompilations (about 20 ms of a core each) in its first second.
 */
export default function busy(config: { x: number; ms: number }): number {
  const x = config.x;
  const end = performance.now() + config.ms;
  while (performance.now() < end);
  return x;
}
