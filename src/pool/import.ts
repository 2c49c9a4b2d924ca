import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const TS = /\.(c|m)?tsx?$/;

/**
 * Imports an objective module by path. `.ts`/`.mts`/`.cts` modules go through tsx's scoped `tsImport`
 * (tsx must be installed where Node can resolve it, e.g. in the project using parzen); the rest through `import()`.
 */
export async function importModule(modulePath: string): Promise<Record<string, unknown>> {
  const abs = resolve(modulePath);
  if (!TS.test(abs)) return import(pathToFileURL(abs).href);
  let tsx: { tsImport: (specifier: string, parentURL: string) => Promise<Record<string, unknown>> };
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    throw new Error(`${modulePath} is TypeScript: install tsx (npm i -D tsx) to load it, or compile it to .js`);
  }
  const mod = await tsx.tsImport(pathToFileURL(abs).href, import.meta.url);
  // A .ts file that Node reads as CommonJS (no "type": "module" above it) comes back as { default: module.exports }.
  const cjs = mod.default as { __esModule?: unknown } | null | undefined;
  return typeof cjs === 'object' && cjs !== null && cjs.__esModule === true ? cjs : mod;
}
