import pg from 'pg';

/**
 * The PostgreSQL server of the tests: `PARZEN_TEST_PG` (e.g. postgres://postgres@127.0.0.1:5432/parzen_test).
 * Locally the PostgreSQL tests skip without it; in CI (CI=true) its absence is an error, so they never skip silently.
 */
export function testPgUrl(): string | undefined {
  const url = process.env.PARZEN_TEST_PG;
  if (url) return url;
  if (process.env.CI === 'true') throw new Error('CI=true but PARZEN_TEST_PG is not set: .ci/run must start PostgreSQL and export it');
  return undefined;
}

/** Why the PostgreSQL tests are skipped, for `{ skip }`. */
export const PG_SKIP = 'PARZEN_TEST_PG is not set (e.g. postgres://postgres@127.0.0.1:5432/parzen_test); skipping PostgreSQL tests';

let made = 0;

/** A fresh schema name for one test store (`?schema=`), unique to this process. */
export function freshSchema(prefix = 't'): string {
  return `parzen_${prefix}_${process.pid}_${Date.now().toString(36)}_${made++}`;
}

/** `url` with `?schema=NAME` set. */
export function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
}

/** Drops the given schemas and everything in them. */
export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await client.end();
  }
}
