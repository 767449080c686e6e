import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { shardIdentityFromEnv, type ShardIdentity } from './shardIdentity.ts';

/** Where the gateway connection is; `/healthz` and the `broadsheet_gateway_state` gauge read it. */
export type GatewayState = 'connecting' | 'ready' | 'reconnecting' | 'disconnected';
export const GATEWAY_STATES: readonly GatewayState[] = [
  'connecting',
  'ready',
  'reconnecting',
  'disconnected',
];

export type InteractionKind = 'command' | 'autocomplete' | 'component' | 'other';
/** answered: the handler finished; failed: the user saw an error (or no suggestions); restarting: refused during shutdown. */
export type InteractionOutcome = 'answered' | 'failed' | 'restarting';

export interface HandledInteraction {
  kind: InteractionKind;
  /** A registered command name or component action, never free text ('unknown' otherwise). */
  command: string;
  outcome: InteractionOutcome;
  seconds: number;
}

export type RestSource = 'bot' | 'digest';

/**
 * The bot's Prometheus metrics, on a registry of their own (a test creates its own instance). Label
 * values are command names, outcomes, states and status codes only: no user, guild or channel id, no
 * route (Discord routes carry ids and interaction tokens).
 */
export class Metrics {
  readonly registry = new Registry();

  readonly #interactions = new Counter({
    name: 'broadsheet_interactions_total',
    help: 'Interactions handled, by kind, command and outcome.',
    labelNames: ['kind', 'command', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly #interactionSeconds = new Histogram({
    name: 'broadsheet_interaction_duration_seconds',
    help: 'Time from receiving an interaction to its answer being delivered (or the handler giving up).',
    labelNames: ['kind'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30],
    registers: [this.registry],
  });
  readonly #digestRuns = new Counter({
    name: 'broadsheet_digest_runs_total',
    help: 'Digest runs, by outcome (posted, empty, failed, already-finished, interrupted, gone).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly #restResponses = new Counter({
    name: 'broadsheet_discord_rest_responses_total',
    help: "Responses from Discord's REST API, by REST client (bot or digest), method and HTTP status (429 included).",
    labelNames: ['source', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly #rateLimits = new Counter({
    name: 'broadsheet_discord_rate_limited_total',
    help: 'Times a REST client waited for a rate limit, by source and scope.',
    labelNames: ['source', 'scope', 'global'] as const,
    registers: [this.registry],
  });
  readonly #gatewayState = new Gauge({
    name: 'broadsheet_gateway_state',
    help: 'The gateway connection state: 1 for the current state, 0 for the others.',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly #gatewayReconnects = new Counter({
    name: 'broadsheet_gateway_reconnects_total',
    help: 'Gateway connections closed and retried (resume or new session), by close code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly #libraryArticles = new Gauge({
    name: 'broadsheet_library_articles',
    help: 'Articles in the library being served.',
    registers: [this.registry],
  });
  readonly #libraryLoadSeconds = new Histogram({
    name: 'broadsheet_library_load_duration_seconds',
    help: 'Time to load (or reload) the library: read the corpus and build or load the index.',
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly #libraryReloads = new Counter({
    name: 'broadsheet_library_reloads_total',
    help: 'Library reloads after corpus changes (watched files, SIGHUP), by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly #feedImports = new Counter({
    name: 'broadsheet_feed_imports_total',
    help: 'Feed imports, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean; shard?: ShardIdentity | null } = {}) {
    // A shard's series carry `shard="N"` (one process per shard, each scraped on its own port).
    const shard = options.shard === undefined ? shardIdentityFromEnv() : options.shard;
    if (shard) this.registry.setDefaultLabels({ shard: String(shard.id) });
    // Process metrics (memory, CPU, event-loop lag) with the standard names dashboards expect.
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    this.gatewayState('connecting');
  }

  interactionHandled({ kind, command, outcome, seconds }: HandledInteraction): void {
    this.#interactions.inc({ kind, command, outcome });
    this.#interactionSeconds.observe({ kind }, seconds);
  }

  digestRun(outcome: string): void {
    this.#digestRuns.inc({ outcome });
  }

  restResponse(source: RestSource, method: string, status: number): void {
    this.#restResponses.inc({ source, method: method.toUpperCase(), status: String(status) });
  }

  rateLimited(source: RestSource, scope: string, global: boolean): void {
    this.#rateLimits.inc({ source, scope, global: String(global) });
  }

  gatewayState(state: GatewayState): void {
    for (const each of GATEWAY_STATES) this.#gatewayState.set({ state: each }, each === state ? 1 : 0);
  }

  gatewayReconnect(code: number | undefined): void {
    this.#gatewayReconnects.inc({ code: code === undefined ? 'unknown' : String(code) });
  }

  libraryLoaded(articles: number, seconds: number): void {
    this.#libraryArticles.set(articles);
    this.#libraryLoadSeconds.observe(seconds);
  }

  /** A reload after the corpus changed: `reloaded` (articles now in the library) or `failed` (unchanged). */
  libraryReloaded(outcome: 'reloaded' | 'failed', articles: number): void {
    this.#libraryReloads.inc({ outcome });
    this.#libraryArticles.set(articles);
  }

  feedImport(outcome: string): void {
    this.#feedImports.inc({ outcome });
  }

  /** The Prometheus text exposition of every metric. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
