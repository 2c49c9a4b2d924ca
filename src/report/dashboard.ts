import Fastify, { type FastifyInstance } from 'fastify';
import type { Storage, StudySummary } from '../storage/storage.js';
import type { ReportData } from './data.js';
import { pageHtml } from './html.js';
import { loadReportData } from './report.js';

export interface DashboardOptions {
  /** How often the page asks for news, in ms; default 2000. */
  readonly pollMs?: number;
}

/**
 * The live dashboard: a read-only fastify app over a storage. `GET /` is the page; it polls `GET /api/studies`
 * (summaries) and fetches `GET /api/study?name=` (the report's data) again whenever the chosen study's counts or best
 * value change. There are no routes that write. Test it with `app.inject()`; serve it with `app.listen()`.
 */
export function dashboardApp(storage: Storage, options: DashboardOptions = {}): FastifyInstance {
  const pollMs = options.pollMs ?? 2000;
  const app = Fastify({ logger: false });
  // The last report per study and the version it stands for: a study that did not change is not read again.
  const cache = new Map<string, { version: string; data: ReportData }>();
  const version = (s: StudySummary) => `${JSON.stringify(s.counts)}|${s.best}`;
  const page = pageHtml('dashboard', 'parzen dashboard', null, pollMs);

  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page));

  app.get('/api/studies', async () => {
    const studies = await storage.listStudies();
    return {
      studies: studies.map((s) => ({
        name: s.name,
        direction: s.direction,
        sampler: s.sampler,
        createdAt: s.createdAt,
        counts: s.counts,
        best: s.best,
      })),
    };
  });

  app.get<{ Querystring: { name: string } }>(
    '/api/study',
    { schema: { querystring: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } } } },
    async (req, reply) => {
      const summary = (await storage.listStudies()).find((s) => s.name === req.query.name);
      if (!summary) return reply.code(404).send({ error: `no study ${JSON.stringify(req.query.name)}` });
      const hit = cache.get(summary.name);
      // a study with running trials changes its timeline with the clock: never served from the cache
      if (hit && hit.version === version(summary) && summary.counts.running === 0) return hit.data;
      const data = await loadReportData(storage, summary.name);
      cache.set(summary.name, { version: version(summary), data });
      return data;
    },
  );
  return app;
}

/** True for the loopback addresses, where an unauthenticated read-only server is private to this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
