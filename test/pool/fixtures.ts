import { fileURLToPath } from 'node:url';

/** Absolute path of a test fixture (fixtures are not compiled: resolved from dist/test/pool back to test/fixtures). */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../../test/fixtures/${name}`, import.meta.url));
}
