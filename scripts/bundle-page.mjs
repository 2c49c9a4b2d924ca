#!/usr/bin/env node
// The page script of the report, the dashboard and the bench plots as one module: tsc compiles src/report/client
// into several files, and a page inlines a single script, so esbuild joins the compiled ones (no transform beyond that).
import { build } from 'esbuild';

const dir = new URL('../dist/src/report/client/', import.meta.url).pathname;
await build({
  entryPoints: [`${dir}page.js`],
  outfile: `${dir}page.bundle.js`,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
});
