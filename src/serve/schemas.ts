/**
 * JSON schemas of the HTTP API: fastify validates every request body and query against them, and the OpenAPI
 * document at /openapi.json is built from the same objects, so the two cannot drift apart.
 */

// no NUL: PostgreSQL's text cannot hold it
const studyName = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\u0000]*$' } as const;
const trialNumber = { type: 'integer', minimum: 0 } as const;

export const createStudyBody = {
  type: 'object',
  required: ['name', 'space'],
  additionalProperties: false,
  properties: {
    name: studyName,
    space: { type: 'object', description: 'the search space in its JSON form (as for `parzen run --space`)' },
    algo: { type: 'string', minLength: 1, description: 'sampler name (random, grid, tpe, gp, cmaes, evolution); default tpe' },
    options: { type: 'object', description: "the sampler's options" },
    direction: { type: 'string', enum: ['minimize', 'maximize'] },
    directions: {
      type: 'array',
      items: { type: 'string', enum: ['minimize', 'maximize'] },
      minItems: 2,
      maxItems: 100,
      description: 'several objectives (exclusive with direction): trials are told their values, best is the Pareto front',
    },
    seed: { type: 'integer', minimum: 0 },
    pruner: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      description: 'the pruner every report is decided by, stored with the study (as `parzen run --pruner`); default none',
      properties: {
        name: { type: 'string', minLength: 1, description: 'median, percentile, asha, hyperband, threshold, patient or none' },
        options: { type: 'object', description: "the pruner's options (as --pruner-options)" },
      },
    },
  },
} as const;

export const askBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    n: { type: 'integer', minimum: 1, maximum: 100, default: 1, description: 'how many trials' },
    leaseSeconds: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 7 * 24 * 3600,
      description: 'the trials are failed as stale unless told or beaten (heartbeat) within this time; default: never',
    },
  },
} as const;

export const tellBody = {
  type: 'object',
  required: ['number'],
  additionalProperties: false,
  properties: {
    number: trialNumber,
    value: {
      type: 'number',
      description: 'the objective value (complete trials); with step, the last intermediate value (pruned trials)',
    },
    values: {
      type: 'array',
      items: { type: 'number' },
      minItems: 2,
      maxItems: 100,
      description: "every objective's value (complete trials of a study with directions)",
    },
    constraints: {
      type: 'array',
      items: { type: 'number' },
      maxItems: 1000,
      description: 'constraint values (≤ 0: satisfied); infeasible trials are never best',
    },
    state: { type: 'string', enum: ['complete', 'fail', 'pruned'], default: 'complete' },
    step: {
      type: 'integer',
      minimum: 0,
      description: 'state pruned: the step of `value`, recorded as the last report before the trial stops (omit both when reported)',
    },
    message: { type: 'string', maxLength: 10_000, description: 'why the trial failed (state fail)' },
    attrs: { type: 'object', description: 'anything else to keep with the trial' },
  },
} as const;

export const reportBody = {
  type: 'object',
  required: ['number', 'step', 'value'],
  additionalProperties: false,
  properties: { number: trialNumber, step: { type: 'integer', minimum: 0 }, value: { type: 'number' } },
} as const;

export const heartbeatBody = {
  type: 'object',
  required: ['numbers'],
  additionalProperties: false,
  properties: { numbers: { type: 'array', items: trialNumber, minItems: 1, maxItems: 1000 } },
} as const;

export const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: studyName },
} as const;

export const trialsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'string', enum: ['running', 'complete', 'pruned', 'fail'] },
    since: { type: 'integer', minimum: 0, description: 'trials with number ≥ since' },
  },
} as const;

/** One route as the OpenAPI document describes it. */
export interface RouteDoc {
  readonly method: 'get' | 'post';
  readonly path: string;
  readonly summary: string;
  readonly body?: object;
  readonly query?: { properties: Record<string, object> };
}

/** An OpenAPI 3.1 document for `routes`. */
export function openApi(routes: readonly RouteDoc[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters = [
      ...[...r.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: studyName })),
      ...Object.entries(r.query?.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', schema })),
    ];
    (paths[path] ??= {})[r.method] = {
      summary: r.summary,
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: r.body } } } } : {}),
      responses: {
        200: { description: 'ok' },
        400: { description: 'invalid input: the message names the field' },
        401: { description: 'missing or wrong bearer token' },
        404: { description: 'no such study or trial' },
        409: { description: 'conflict: the study exists, or the trial was already told' },
      },
      security: [{ bearer: [] }],
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'parzen', version, description: 'Hyperparameter optimization as a service: ask for trials, tell their results.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
