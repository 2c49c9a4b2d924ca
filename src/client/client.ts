/**
 * A typed client of `parzen serve` (import from 'parzen-hpo/client'). It needs only `fetch` (Node 18+, browsers,
 * Deno, Bun), so a trainer can ask for trials from anywhere the server is reachable.
 */

export type Value = number | string | boolean | null;

export interface ClientTrial<C = unknown> {
  readonly number: number;
  /** Flat params keyed by label (active ones only). */
  readonly params: Readonly<Record<string, Value>>;
  /** The space filled with these params: what an objective receives. */
  readonly config: C;
  /** A per-trial seed derived from the study seed. */
  readonly seed: number;
}

export interface StoredTrial {
  readonly number: number;
  readonly state: 'running' | 'complete' | 'pruned' | 'fail';
  readonly params: Readonly<Record<string, Value>>;
  readonly value: number | null;
  /** Every objective's value (studies with several directions). */
  readonly values?: readonly number[] | null;
  readonly constraints?: readonly number[] | null;
  readonly failMessage: string | null;
  readonly attrs: Readonly<Record<string, unknown>>;
  /** What the trial reported, by step (a NaN value comes as null). */
  readonly intermediate?: readonly { readonly step: number; readonly value: number | null }[];
}

export interface CreateStudy {
  readonly name: string;
  /** The space in its JSON form, e.g. `{ x: { uniform: [-5, 5] } }`. */
  readonly space: Record<string, unknown>;
  /** Sampler name; default tpe. */
  readonly algo?: string;
  readonly options?: Record<string, unknown>;
  readonly direction?: 'minimize' | 'maximize';
  /** Several objectives (exclusive with direction): tell each trial its values (`tellValues`); `front` gives the Pareto front. */
  readonly directions?: readonly ('minimize' | 'maximize')[];
  readonly seed?: number;
  /** The pruner `report` decides with, stored with the study (e.g. `{ name: 'hyperband', options: { minResource: 1 } }`); default none. */
  readonly pruner?: { readonly name: string; readonly options?: Record<string, unknown> };
}

/** An answer other than 2xx: the server's error code and message (which names the field for a 400). */
export class ServeError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = 'ServeError';
  }
}

export interface ClientOptions {
  /** The bearer token (omit for a server started with --no-auth). */
  readonly token?: string;
  /** Default: globalThis.fetch. */
  readonly fetch?: typeof fetch;
}

export class ParzenClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;

  constructor(
    baseUrl: string,
    private readonly options: ClientOptions = {},
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? globalThis.fetch;
  }

  listStudies(): Promise<{ studies: { name: string; counts: Record<string, number>; best: number | null }[] }> {
    return this.call('GET', '/studies');
  }

  createStudy(spec: CreateStudy): Promise<{ study: { id: number; name: string } }> {
    return this.call('POST', '/studies', spec);
  }

  /** `n` new trials, running until told; with a lease, they fail as stale unless told or beaten in time. */
  async ask<C = unknown>(study: string, n = 1, leaseSeconds?: number): Promise<ClientTrial<C>[]> {
    const r = await this.call<{ trials: ClientTrial<C>[] }>('POST', `${this.path(study)}/ask`, {
      n,
      ...(leaseSeconds ? { leaseSeconds } : {}),
    });
    return r.trials;
  }

  /** Completes a trial with its value (and attrs to keep beside it). */
  async tell(study: string, number: number, value: number, attrs?: Record<string, unknown>): Promise<StoredTrial> {
    return (await this.call<{ trial: StoredTrial }>('POST', `${this.path(study)}/tell`, { number, value, ...(attrs ? { attrs } : {}) }))
      .trial;
  }

  /**
   * Completes a trial of a study with several objectives with its values (one per direction), and optionally its
   * constraint values (≤ 0: satisfied).
   */
  async tellValues(
    study: string,
    number: number,
    values: readonly number[],
    extra: { constraints?: readonly number[]; attrs?: Record<string, unknown> } = {},
  ): Promise<StoredTrial> {
    return (await this.call<{ trial: StoredTrial }>('POST', `${this.path(study)}/tell`, { number, values, ...extra })).trial;
  }

  /** The Pareto front of a study with several objectives: its complete feasible trials no other dominates. */
  async front(study: string): Promise<StoredTrial[]> {
    return (await this.call<{ front?: StoredTrial[] }>('GET', `${this.path(study)}/best`)).front ?? [];
  }

  /** Fails a trial with a message. */
  async fail(study: string, number: number, message: string): Promise<StoredTrial> {
    return (await this.call<{ trial: StoredTrial }>('POST', `${this.path(study)}/tell`, { number, state: 'fail', message })).trial;
  }

  /**
   * Stops a trial as pruned (after `report` answered true, or on the trainer's own judgement). `last`, when given, is
   * recorded as its last report first; the stored trial keeps its last step's value as its value.
   */
  async prune(study: string, number: number, last?: { step: number; value: number }): Promise<StoredTrial> {
    return (
      await this.call<{ trial: StoredTrial }>('POST', `${this.path(study)}/tell`, {
        number,
        state: 'pruned',
        ...(last ? { step: last.step, value: last.value } : {}),
      })
    ).trial;
  }

  /** Reports an intermediate value; true when the trial should stop (then `prune` it), as the study's pruner decides. */
  async report(study: string, number: number, step: number, value: number): Promise<boolean> {
    return (await this.call<{ prune: boolean }>('POST', `${this.path(study)}/report`, { number, step, value })).prune;
  }

  async heartbeat(study: string, numbers: number[]): Promise<void> {
    await this.call('POST', `${this.path(study)}/heartbeat`, { numbers });
  }

  async trials(study: string, state?: StoredTrial['state']): Promise<StoredTrial[]> {
    return (await this.call<{ trials: StoredTrial[] }>('GET', `${this.path(study)}/trials${state ? `?state=${state}` : ''}`)).trials;
  }

  async best(study: string): Promise<StoredTrial | null> {
    return (await this.call<{ trial: StoredTrial | null }>('GET', `${this.path(study)}/best`)).trial;
  }

  private path(study: string): string {
    return `/studies/${encodeURIComponent(study)}`;
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.fetchFn(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) throw new ServeError(res.status, String(parsed.error ?? 'ERROR'), String(parsed.message ?? text));
    return parsed as T;
  }
}
