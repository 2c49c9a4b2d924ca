// Samplers and pruners as stored with a study: { name, options }, compared and shown alike.

/** A stored sampler or pruner as a message shows it: its name, and its options when it has any. */
export function describeSpec(s: { readonly name: string; readonly options: Readonly<Record<string, unknown>> }): string {
  return Object.keys(s.options).length ? `${s.name} ${JSON.stringify(s.options)}` : s.name;
}

/** JSON with object keys sorted: options compare equal whatever order they were written in. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );
}
