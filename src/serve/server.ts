import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { OptionsError, ParzenError, StudyError, TrialStateError } from '../errors.js';
import { createPruner } from '../pruners/registry.js';
import { createSampler } from '../samplers/registry.js';
import { parseSpaceJson } from '../space/json.js';
import type { Storage, StudyRecord } from '../storage/storage.js';
export { isLoopback } from '../report/dashboard.js';
import { createStudy, type Study } from '../study/study.js';
import type { TrialRecord, TrialState } from '../trial/trial.js';
import {
  askBody,
  createStudyBody,
  heartbeatBody,
  nameParams,
  openApi,
  reportBody,
  type RouteDoc,
  tellBody,
  trialsQuery,
} from './schemas.js';

export interface ServerOptions {
  readonly storage: Storage;
  /** The bearer token every request must carry; null only with `noAuth` on a loopback host. */
  readonly token: string | null;
  /** An origin allowed to call the API from a browser (CORS); default none. */
  readonly corsOrigin?: string;
  /** Largest request body in bytes. Default 256 KiB. */
  readonly bodyLimit?: number;
}

/** An error with the HTTP status it answers with. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The HTTP API over one storage (see docs/serve.md): create and list studies, ask (with a lease), tell, report,
 * heartbeat, trials, best. Every route validates its input against a JSON schema; errors answer with a status and
 * `{ error, message }`, never a stack.
 */
export function buildServer(options: ServerOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    logger: false,
    return503OnClosing: true,
    // unknown fields are errors (fastify's default strips them silently)
    ajv: { customOptions: { removeAdditional: false } },
  });
  const studies = new Map<string, { key: string; study: Promise<Study> }>();
  const routes: RouteDoc[] = [];

  const tokenDigest = options.token === null ? null : digest(options.token);
  app.addHook('onRequest', async (req, reply) => {
    if (options.corsOrigin) {
      reply.header('access-control-allow-origin', options.corsOrigin).header('vary', 'origin');
      if (req.method === 'OPTIONS') {
        reply.header('access-control-allow-headers', 'authorization, content-type').header('access-control-allow-methods', 'GET, POST');
        return reply.code(204).send();
      }
    }
    if (tokenDigest === null) return;
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    // (digests of equal length, compared in constant time: the time taken says nothing of the token)
    if (!timingSafeEqual(digest(given), tokenDigest)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: 'UNAUTHORIZED', message: 'a valid bearer token is required' });
    }
  });

  app.setErrorHandler((error: Error & { validation?: unknown; statusCode?: number; validationContext?: string }, _req, reply) => {
    if (Array.isArray(error.validation))
      return reply
        .code(400)
        .send({ error: 'INVALID_REQUEST', message: validationMessage(error.validation, error.validationContext ?? 'body') });
    if (error instanceof HttpError) return reply.code(error.status).send({ error: error.code, message: error.message });
    if (error instanceof OptionsError || (error instanceof ParzenError && error.code === 'INVALID_SPACE')) {
      return reply.code(400).send({ error: error.code, message: error.message });
    }
    if (error instanceof TrialStateError) return reply.code(409).send({ error: error.code, message: error.message });
    if (error instanceof ParzenError) return reply.code(400).send({ error: error.code, message: error.message });
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) console.error(`parzen serve: ${error.stack ?? error.message}`);
    return reply.code(status).send({
      error: status === 500 ? 'INTERNAL' : 'BAD_REQUEST',
      message: status === 500 ? 'internal error (see the server log)' : error.message,
    });
  });

  /** What a kept study must still match in storage. */
  const keyOf = (rec: StudyRecord) => JSON.stringify([rec.id, rec.sampler, rec.pruner ?? null]);
  /**
   * The study of this name, opened once per server and kept (its sampler's state lives with it), as long as its stored
   * record says the same: another process may switch its sampler or pruner, or delete and recreate it, and the next
   * request then opens it afresh (one read of the study's row per request).
   */
  const study = async (name: string): Promise<Study> => {
    const rec = await options.storage.getStudy(name);
    if (!rec) {
      studies.delete(name);
      throw new HttpError(404, 'NOT_FOUND', `no study named ${JSON.stringify(name)}`);
    }
    const key = keyOf(rec);
    let opened = studies.get(name);
    if (!opened || opened.key !== key) {
      const entry = {
        key,
        study: createStudy({
          name,
          storage: options.storage,
          resume: true,
          sampler: createSampler(rec.sampler.name, { ...rec.sampler.options }),
        }),
      };
      studies.set(name, entry);
      entry.study.catch(() => {
        if (studies.get(name) === entry) studies.delete(name);
      });
      opened = entry;
    }
    return opened.study;
  };

  const route = <B, Q>(
    doc: RouteDoc,
    handler: (req: FastifyRequest<{ Body: B; Params: { name: string }; Querystring: Q }>, reply: FastifyReply) => Promise<unknown>,
  ) => {
    routes.push(doc);
    const schema = {
      ...(doc.body ? { body: doc.body } : {}),
      ...(doc.query ? { querystring: doc.query } : {}),
      ...(doc.path.includes(':name') ? { params: nameParams } : {}),
    };
    app.route({ method: doc.method.toUpperCase(), url: doc.path, schema, handler });
  };

  route({ method: 'get', path: '/studies', summary: 'every study with its counts and best value' }, async () => ({
    studies: await options.storage.listStudies(),
  }));

  route<
    {
      name: string;
      space: unknown;
      algo?: string;
      options?: Record<string, unknown>;
      direction?: 'minimize' | 'maximize';
      directions?: ('minimize' | 'maximize')[];
      seed?: number;
      pruner?: { name: string; options?: Record<string, unknown> };
    },
    unknown
  >({ method: 'post', path: '/studies', summary: 'create a study', body: createStudyBody }, async (req, reply) => {
    const b = req.body;
    if (b.direction !== undefined && b.directions !== undefined)
      throw new HttpError(400, 'INVALID_REQUEST', 'body.direction and body.directions are exclusive: give one');
    if (await options.storage.getStudy(b.name)) throw new HttpError(409, 'STUDY_EXISTS', `a study named ${JSON.stringify(b.name)} exists`);
    const space = parseSpaceJson(b.space, 'body.space');
    let sampler;
    try {
      sampler = createSampler(b.algo ?? 'tpe', b.options ?? {});
    } catch (e) {
      throw new HttpError(
        400,
        'INVALID_REQUEST',
        `body.${e instanceof OptionsError && /unknown algorithm/.test(e.message) ? 'algo' : 'options'}: ${(e as Error).message}`,
      );
    }
    let pruner;
    try {
      pruner = b.pruner ? createPruner(b.pruner.name, b.pruner.options ?? {}) : null;
    } catch (e) {
      throw new HttpError(400, 'INVALID_REQUEST', `body.pruner: ${(e as Error).message}`);
    }
    if (b.directions && sampler.multiObjective !== true)
      throw new HttpError(
        400,
        'INVALID_REQUEST',
        `body.algo: ${sampler.name} optimizes one objective; body.directions needs tpe, motpe, gp, nsga2, random or grid`,
      );
    const opened = createStudy({
      name: b.name,
      storage: options.storage,
      space,
      sampler,
      direction: b.direction,
      directions: b.directions,
      seed: b.seed,
      pruner,
    }).catch((e: unknown) => {
      if (e instanceof StudyError) throw new HttpError(409, 'STUDY_EXISTS', e.message);
      throw e;
    });
    const s = await opened;
    studies.set(b.name, { key: keyOf(s.record), study: opened });
    return reply.code(201).send({ study: s.record });
  });

  route({ method: 'get', path: '/studies/:name', summary: 'a study with its counts and best value' }, async (req) => {
    await study(req.params.name);
    const found = (await options.storage.listStudies()).find((s) => s.name === req.params.name);
    return { study: found };
  });

  route<{ n?: number; leaseSeconds?: number }, unknown>(
    { method: 'post', path: '/studies/:name/ask', summary: 'new trials to evaluate (running until told)', body: askBody },
    async (req) => {
      const s = await study(req.params.name);
      const lease = req.body?.leaseSeconds;
      const asked = await s.ask(req.body?.n ?? 1, lease === undefined ? {} : { leaseMs: lease * 1000 });
      return { trials: asked.map((t) => ({ number: t.number, params: t.params, config: t.config, seed: t.seed })) };
    },
  );

  route<
    {
      number: number;
      value?: number;
      values?: number[];
      constraints?: number[];
      state?: 'complete' | 'fail' | 'pruned';
      step?: number;
      message?: string;
      attrs?: Record<string, unknown>;
    },
    unknown
  >(
    {
      method: 'post',
      path: '/studies/:name/tell',
      summary: "a trial's result: its value(s), a failure with its message, or pruned (stopped early) at its last step",
      body: tellBody,
    },
    async (req) => {
      const s = await study(req.params.name);
      const b = req.body;
      const state = b.state ?? 'complete';
      const t = await trialOf(s, b.number);
      const complete = state === 'complete';
      if (complete && s.multiObjective && b.values === undefined)
        throw new HttpError(
          400,
          'INVALID_REQUEST',
          `body.values is required: study ${JSON.stringify(s.name)} has ${s.directions.length} objectives`,
        );
      if (complete && !s.multiObjective && b.value === undefined)
        throw new HttpError(400, 'INVALID_REQUEST', 'body.value is required for a complete trial');
      if (b.value !== undefined && b.values !== undefined)
        throw new HttpError(400, 'INVALID_REQUEST', 'body.value and body.values are exclusive: give one');
      if (b.step !== undefined && state !== 'pruned')
        throw new HttpError(400, 'INVALID_REQUEST', 'body.step goes only with state "pruned"');
      if (state === 'pruned') {
        if ((b.step === undefined) !== (b.value === undefined))
          throw new HttpError(400, 'INVALID_REQUEST', 'body.step and body.value go together (the last report of a pruned trial)');
        if (t.state !== 'running') throw new HttpError(409, 'TRIAL_STATE', `trial ${t.number} is already ${t.state}`);
        // the last report, recorded as any report (a step reported before keeps its first value); no decision asked
        if (b.step !== undefined) await s.report(b.number, b.step, b.value as number, null);
        return { trial: await s.tell(b.number, { state: 'pruned', ...(b.attrs ? { attrs: b.attrs } : {}) }) };
      }
      const outcome =
        state === 'fail'
          ? { state: 'fail' as const, reason: 'threw' as const, message: b.message ?? 'failed (told by the client)', attrs: b.attrs }
          : {
              state: 'complete' as const,
              value: b.values ? b.values[0] : (b.value as number),
              ...(b.values ? { values: b.values } : {}),
              ...(b.constraints ? { constraints: b.constraints } : {}),
              attrs: b.attrs,
            };
      return { trial: await s.tell(b.number, outcome) };
    },
  );

  route<{ number: number; step: number; value: number }, unknown>(
    {
      method: 'post',
      path: '/studies/:name/report',
      summary: "an intermediate value; answers whether to stop the trial (prune), as the study's stored pruner decides",
      body: reportBody,
    },
    async (req) => {
      const s = await study(req.params.name);
      const t = await trialOf(s, req.body.number);
      if (t.state !== 'running') throw new HttpError(409, 'TRIAL_STATE', `trial ${t.number} is already ${t.state}`);
      // decided by the study's stored pruner, as every other process of the study decides
      return { prune: await s.report(req.body.number, req.body.step, req.body.value) };
    },
  );

  route<{ numbers: number[] }, unknown>(
    { method: 'post', path: '/studies/:name/heartbeat', summary: 'extends the leases of running trials', body: heartbeatBody },
    async (req) => {
      const s = await study(req.params.name);
      for (const n of req.body.numbers) await trialOf(s, n);
      await s.heartbeat(req.body.numbers);
      return { ok: true };
    },
  );

  route<unknown, { state?: TrialState; since?: number }>(
    { method: 'get', path: '/studies/:name/trials', summary: "the study's trials, in number order", query: trialsQuery },
    async (req) => {
      const s = await study(req.params.name);
      const all = await s.trials();
      const since = req.query.since ?? 0;
      return { trials: all.filter((t) => t.number >= since && (req.query.state === undefined || t.state === req.query.state)) };
    },
  );

  route(
    {
      method: 'get',
      path: '/studies/:name/best',
      summary: 'the best complete feasible trial (null when none); several objectives: the Pareto front as `front`',
    },
    async (req) => {
      const s = await study(req.params.name);
      await s.trials();
      return s.multiObjective ? { trial: null, front: s.bestTrials } : { trial: s.bestTrial };
    },
  );

  const doc = openApi(routes, VERSION);
  app.get('/openapi.json', async () => doc);
  return app;
}

/** The trial `number` of a study, read fresh if this process has not seen it; 404 when it does not exist. */
async function trialOf(study: Study, number: number): Promise<TrialRecord> {
  let t = study.cached[number];
  if (!t) t = (await study.trials())[number];
  if (!t) throw new HttpError(404, 'NOT_FOUND', `study ${JSON.stringify(study.name)} has no trial ${number}`);
  return t;
}

/** Ajv's errors as one line naming each field: `body.n must be >= 1`, `body.extra: unknown field`. */
function validationMessage(
  errors: { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }[],
  context: string,
): string {
  return errors
    .map((e) => {
      const at = context + e.instancePath.replace(/\//g, '.');
      if (e.keyword === 'additionalProperties') return `${at}.${String(e.params.additionalProperty)}: unknown field`;
      if (e.keyword === 'required') return `${at}.${String(e.params.missingProperty)} is required`;
      return `${at} ${e.message ?? 'is invalid'}`;
    })
    .join('; ');
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
