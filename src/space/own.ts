/**
 * Labels are data: a label may be any string, `__proto__`, `constructor` and `toString` included. Params, configs
 * and options keyed by label are therefore read through `own` (never an inherited member) and written through
 * `setOwn` (an own property even for `__proto__`, whose plain assignment would replace the object's prototype).
 */
export function own<V>(obj: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

export function setOwn<V>(obj: Record<string, V>, key: string, value: V): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
