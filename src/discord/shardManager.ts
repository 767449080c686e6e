/**
 * SHARD_COUNT above 1 (or auto): this process becomes the shard manager. It opens no gateway session
 * itself; discord.js's ShardingManager starts one child process per shard, each running this same entry
 * (`src/main.ts` under tsx, or `dist/src/main.js`) with its shard id in the environment. The manager
 * passes stop signals on and waits for its shards, restarts a shard whose process died, logs every shard's
 * lifecycle, and answers `/healthz` for all of them on HEALTH_PORT (each shard serves its own metrics on
 * HEALTH_PORT + 1 + its id).
 */
import { REST } from '@discordjs/rest';
import { Routes, type RESTGetAPIGatewayBotResult } from 'discord-api-types/v10';
import { ShardingManager, type Shard } from 'discord.js';
import type { ChildProcess } from 'node:child_process';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { HealthCheck } from '../ops/health.ts';
import { startHealthServer, type HealthServer } from '../ops/healthServer.ts';
import { onShutdownSignal, type ShutdownReason } from '../ops/shutdownSignals.ts';
import { shardIdentityFromEnv } from '../ops/shardIdentity.ts';

/** Discord lets one identify bucket (`shard_id % max_concurrency`) start a session every 5 s. */
const IDENTIFY_SPACING_MS = 5_500;
/** A shard that died is started again after this, doubled for each death in a row (at most a minute). */
const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 60_000;
/** This many deaths in a row without becoming ready: the configuration is wrong, the manager gives up. */
const DEATHS_BEFORE_GIVING_UP = 5;
/** A stop waits this long for the shards (each has its own 9 s grace), then kills what is left. */
const SHARD_STOP_MS = 10_000;

type ManagerConfig = Pick<
  Config,
  'DISCORD_TOKEN' | 'DISCORD_API_URL' | 'SHARD_COUNT' | 'DATABASE_URL' | 'HEALTH_PORT' | 'HEALTH_HOST'
> & { DISCORD_TOKEN: string };

export type ShardPlan =
  | { kind: 'one-process' }
  | { kind: 'manager'; count: number; maxConcurrency: number }
  | { kind: 'refused'; reason: string };

/** What Discord says about starting sessions: the recommended shard count and the identify concurrency. */
export interface GatewayBotInfo {
  shards: number;
  maxConcurrency: number;
}

/**
 * Whether this process runs the bot itself or manages shards. A shard's own process (started by the
 * manager) and SHARD_COUNT=1 run the bot; auto asks Discord (GET /gateway/bot) and runs one process when
 * it recommends one shard. SQLite serves one process only, so more than one shard without DATABASE_URL
 * is refused.
 */
export async function planShards(
  config: ManagerConfig,
  gatewayBot: () => Promise<GatewayBotInfo>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ShardPlan> {
  if (shardIdentityFromEnv(env) || config.SHARD_COUNT === 1) return { kind: 'one-process' };
  if (config.SHARD_COUNT !== 'auto' && !config.DATABASE_URL)
    return { kind: 'refused', reason: sqliteRefusal(config.SHARD_COUNT) };
  const info = await gatewayBot();
  const count = config.SHARD_COUNT === 'auto' ? Math.max(1, info.shards) : config.SHARD_COUNT;
  if (count === 1) return { kind: 'one-process' };
  if (!config.DATABASE_URL) return { kind: 'refused', reason: sqliteRefusal(count, config.SHARD_COUNT) };
  return { kind: 'manager', count, maxConcurrency: Math.max(1, info.maxConcurrency) };
}

function sqliteRefusal(count: number, setting: number | 'auto' = count): string {
  const asked =
    setting === 'auto' ? `SHARD_COUNT=auto (Discord recommends ${count} shards)` : `SHARD_COUNT=${count}`;
  return `${asked} needs DATABASE_URL: SQLite serves one process; use Postgres (README, Scaling out).`;
}

/** GET /gateway/bot through the configured API (Discord, or the tests' emulator). */
export async function fetchGatewayBot(config: ManagerConfig): Promise<GatewayBotInfo> {
  const rest = new REST({ api: config.DISCORD_API_URL, retries: 1, timeout: 15_000 }).setToken(
    config.DISCORD_TOKEN,
  );
  const answer = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  return { shards: answer.shards, maxConcurrency: answer.session_start_limit.max_concurrency };
}

/** Why GET /gateway/bot failed, in words a host can act on. */
export function gatewayBotFailure(error: unknown, apiUrl: string): string {
  const status = (error as { status?: number }).status;
  if (status === 401)
    return 'Discord rejected DISCORD_TOKEN. Reset the token in the developer portal and set it again.';
  const detail = error instanceof Error ? error.message : String(error);
  return `could not ask Discord's API at ${apiUrl} how to shard (${detail}). Check the network and DISCORD_API_URL.`;
}

/**
 * Called first thing by the composition root's bot path. Resolves false when this process should run the
 * bot itself; otherwise this process is the shard manager (or has been refused) and the caller returns.
 */
export async function runShardManagerIfSharded(
  config: ManagerConfig,
  logger: Logger,
  stop: (reason: string) => void,
): Promise<boolean> {
  let plan: ShardPlan;
  try {
    plan = await planShards(config, () => fetchGatewayBot(config));
  } catch (error) {
    logger.fatal({ err: error }, 'could not plan the shards');
    stop(gatewayBotFailure(error, config.DISCORD_API_URL));
    return true;
  }
  if (plan.kind === 'one-process') {
    if (config.SHARD_COUNT === 'auto' && !shardIdentityFromEnv())
      logger.info('SHARD_COUNT=auto: Discord recommends one shard; running in this process');
    return false;
  }
  if (plan.kind === 'refused') {
    logger.fatal({ shardCount: config.SHARD_COUNT }, plan.reason);
    stop(plan.reason);
    return true;
  }
  await new ShardSupervisor(config, plan, logger.child({ role: 'shard-manager' }), stop).start();
  return true;
}

interface ShardState {
  shard: Shard;
  ready: boolean;
  everReady: boolean;
  /** Deaths since it was last ready. */
  deathsInARow: number;
  restartTimer: NodeJS.Timeout | undefined;
  /** The current process's exit, for a stop to wait on. */
  exited: Promise<void> | undefined;
  lastExit: string | undefined;
}

/** What a test changes; a host never does. */
export interface SupervisorOptions {
  /** The script each shard runs (default: this process's own entry, `process.argv[1]`). */
  entry?: string;
  /** Node flags for the shards (default: this process's own, e.g. tsx's `--import tsx`). */
  execArgv?: string[];
  /** Before the first restart of a dead shard; doubled for each death in a row. */
  firstRestartDelayMs?: number;
  /** Stop on SIGTERM/SIGINT/parent death (default true; a test calls `stop` itself). */
  handleSignals?: boolean;
}

/** Starts, watches, restarts and stops the shard processes; answers /healthz for all of them. */
export class ShardSupervisor {
  readonly #states = new Map<number, ShardState>();
  readonly #metrics = new ManagerMetrics();
  #manager: ShardingManager | undefined;
  #healthServer: HealthServer | undefined;
  #stopping = false;

  constructor(
    private readonly config: ManagerConfig,
    private readonly plan: { count: number; maxConcurrency: number },
    private readonly log: Logger,
    private readonly fatal: (reason: string) => void,
    private readonly options: SupervisorOptions = {},
  ) {}

  async start(): Promise<void> {
    const { count, maxConcurrency } = this.plan;
    // The shards run this very entry with this very runtime: tsx's `--import tsx` from the sources,
    // nothing from dist/. A shard's own SHARDS/SHARD_COUNT make it a shard, not another manager.
    const entry = this.options.entry ?? process.argv[1];
    if (!entry) return this.fatal('the shard manager could not tell which script to start for its shards.');
    if (this.options.handleSignals ?? true) {
      onShutdownSignal((reason) => this.stop(reason), { graceMs: SHARD_STOP_MS + 2_000 });
      process.on('unhandledRejection', (reason) => this.log.error({ err: reason }, 'unhandled rejection'));
      // A throw nobody caught: stop the shards as cleanly as we can, then exit 1 for the supervisor.
      process.on('uncaughtException', (error) => {
        this.log.fatal({ err: error }, 'uncaught exception in the shard manager');
        const reason = `an unexpected error in the shard manager (${error.message}).`;
        void this.stop('SIGTERM').then(
          () => this.fatal(reason),
          () => this.fatal(reason),
        );
      });
    }
    this.#manager = new ShardingManager(entry, {
      totalShards: count,
      mode: 'process',
      respawn: false, // restarted here, with a backoff and a limit (see #onDeath)
      execArgv: this.options.execArgv ?? process.execArgv,
      token: this.config.DISCORD_TOKEN,
    });
    await this.#openHealth();
    this.log.info(
      { shardCount: count, maxConcurrency, entry, healthPort: this.config.HEALTH_PORT ?? null },
      `starting ${count} shards, one process each`,
    );
    // One shard per identify bucket at a time; the next group after this one is ready and 5.5 s have passed.
    for (let first = 0; first < count && !this.#stopping; first += maxConcurrency) {
      const group = Array.from({ length: Math.min(maxConcurrency, count - first) }, (_, i) => first + i);
      const spacing = first + maxConcurrency < count ? delay(IDENTIFY_SPACING_MS) : Promise.resolve();
      await Promise.all([...group.map((id) => this.#startShard(id)), spacing]);
    }
  }

  /** Resolves when the shard is ready or its first process died (it is restarted from there). */
  #startShard(id: number): Promise<void> {
    const shard = this.#manager!.createShard(id);
    // Each shard serves its own metrics and health beside the manager's port.
    if (this.config.HEALTH_PORT)
      (shard.env as NodeJS.ProcessEnv).HEALTH_PORT = String(this.config.HEALTH_PORT + 1 + id);
    const state: ShardState = {
      shard,
      ready: false,
      everReady: false,
      deathsInARow: 0,
      restartTimer: undefined,
      exited: undefined,
      lastExit: undefined,
    };
    this.#states.set(id, state);
    this.#metrics.shardUp(id, false);
    // mode 'process': every shard is a ChildProcess, never a Worker.
    shard.on('spawn', (child) => {
      if (!isChildProcess(child)) return;
      state.exited = new Promise((resolve) => child.once('exit', () => resolve()));
      this.log.info({ shard: id, pid: child.pid }, `shard ${id} process started`);
    });
    shard.on('ready', () => {
      state.ready = true;
      state.everReady = true;
      state.deathsInARow = 0;
      this.#metrics.shardUp(id, true);
      this.log.info({ shard: id }, `shard ${id} ready`);
    });
    shard.on('disconnect', () => this.#notReady(state, 'disconnected for good'));
    shard.on('reconnecting', () => this.#notReady(state, 'reconnecting'));
    shard.on('resume', () => {
      state.ready = true;
      this.#metrics.shardUp(id, true);
      this.log.info({ shard: id }, `shard ${id} resumed`);
    });
    shard.on('death', (child) => {
      if (isChildProcess(child)) this.#onDeath(state, child);
    });
    shard.on('error', (error: unknown) => this.log.error({ err: error, shard: id }, `shard ${id} error`));
    return shard.spawn(-1).then(
      () =>
        new Promise<void>((resolve) => {
          shard.once('ready', () => resolve());
          shard.once('death', () => resolve());
        }),
    );
  }

  #notReady(state: ShardState, what: string): void {
    state.ready = false;
    this.#metrics.shardUp(state.shard.id, false);
    if (this.#stopping) return; // its own shutdown closes the gateway
    this.log.info({ shard: state.shard.id }, `shard ${state.shard.id} ${what}`);
  }

  #onDeath(state: ShardState, child: ChildProcess): void {
    const id = state.shard.id;
    state.ready = false;
    this.#metrics.shardUp(id, false);
    const how = child.signalCode ? `signal ${child.signalCode}` : `exit code ${child.exitCode ?? 'unknown'}`;
    state.lastExit = how;
    if (this.#stopping) {
      this.log.info({ shard: id, pid: child.pid, exit: how }, `shard ${id} stopped`);
      return;
    }
    state.deathsInARow++;
    if (state.deathsInARow >= DEATHS_BEFORE_GIVING_UP) {
      const reason = `shard ${id} stopped ${state.deathsInARow} times in a row without becoming ready (last: ${how}); its log lines above say why.`;
      this.log.fatal({ shard: id, exit: how }, reason);
      void this.stop('SIGTERM').then(
        () => this.fatal(reason),
        () => this.fatal(reason),
      );
      return;
    }
    const first = this.options.firstRestartDelayMs ?? FIRST_RESTART_DELAY_MS;
    const wait = Math.min(MAX_RESTART_DELAY_MS, first * 2 ** (state.deathsInARow - 1));
    this.log.warn(
      { shard: id, pid: child.pid, exit: how, restartInMs: wait, deathsInARow: state.deathsInARow },
      `shard ${id} process died (${how}); restarting it`,
    );
    this.#metrics.shardRestart(id);
    state.restartTimer = setTimeout(() => {
      state.restartTimer = undefined;
      if (this.#stopping) return;
      state.shard.spawn(-1).catch((error: unknown) => {
        this.log.error({ err: error, shard: id }, `shard ${id} could not be restarted`);
      });
    }, wait);
  }

  /** Passes the stop on to every shard and waits for their processes; kills what is left after 10 s. */
  async stop(reason: ShutdownReason): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    const signal: NodeJS.Signals = reason === 'SIGINT' ? 'SIGINT' : 'SIGTERM';
    this.log.info({ signal: reason }, 'shutting down the shards');
    const waits: Promise<void>[] = [];
    for (const state of this.#states.values()) {
      clearTimeout(state.restartTimer);
      const child = state.shard.process;
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      child.kill(signal);
      if (state.exited) waits.push(state.exited);
    }
    const stopped = await Promise.race([
      Promise.all(waits).then(() => true),
      delay(SHARD_STOP_MS).then(() => false),
    ]);
    await this.#healthServer?.close();
    if (!stopped) {
      for (const state of this.#states.values()) state.shard.process?.kill('SIGKILL');
      this.log.error('shards still running after 10 s were killed');
      this.log.flush();
      throw new Error(`shards did not stop within ${SHARD_STOP_MS / 1000} s`);
    }
    this.log.info('every shard stopped');
    this.log.flush();
  }

  async #openHealth(): Promise<void> {
    if (!this.config.HEALTH_PORT) return;
    try {
      this.#healthServer = await startHealthServer({
        port: this.config.HEALTH_PORT,
        host: this.config.HEALTH_HOST,
        health: () => this.health(),
        metrics: () => this.#metrics.render(),
        onError: (error) => this.log.error({ err: error }, 'metrics could not be rendered'),
      });
      this.log.info(
        { host: this.config.HEALTH_HOST, port: this.#healthServer.port },
        'shard manager health listening; each shard on HEALTH_PORT + 1 + its id',
      );
    } catch (error) {
      this.fatal(
        `HEALTH_PORT ${this.config.HEALTH_PORT} on ${this.config.HEALTH_HOST} could not be opened (${error instanceof Error ? error.message : String(error)}). Choose a free port or unset HEALTH_PORT.`,
      );
    }
  }

  /** Healthy only when every shard is ready: one dead or reconnecting shard leaves its servers unanswered. */
  health(): HealthCheck {
    if (this.#stopping) return { healthy: false, reason: 'shutting down' };
    const notReady: string[] = [];
    for (let id = 0; id < this.plan.count; id++) {
      const state = this.#states.get(id);
      if (state?.ready) continue;
      const why = !state
        ? 'not started'
        : !state.shard.process
          ? `restarting after ${state.lastExit ?? 'an exit'}`
          : state.everReady
            ? 'reconnecting'
            : 'starting';
      notReady.push(`shard ${id} ${why}`);
    }
    return notReady.length ? { healthy: false, reason: notReady.join(', ') } : { healthy: true };
  }
}

/** The manager's own /metrics: which shards are up, how often each was restarted, its process. */
class ManagerMetrics {
  readonly registry = new Registry();
  readonly #up = new Gauge({
    name: 'broadsheet_shard_up',
    help: 'Whether the shard is ready (1) or starting, reconnecting or restarting (0), as its manager sees it.',
    labelNames: ['shard'] as const,
    registers: [this.registry],
  });
  readonly #restarts = new Counter({
    name: 'broadsheet_shard_restarts_total',
    help: 'Shard processes that died and were started again, by shard.',
    labelNames: ['shard'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  shardUp(shard: number, up: boolean): void {
    this.#up.set({ shard: String(shard) }, up ? 1 : 0);
  }

  shardRestart(shard: number): void {
    this.#restarts.inc({ shard: String(shard) });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function isChildProcess(child: unknown): child is ChildProcess {
  return typeof (child as ChildProcess).kill === 'function' && 'pid' in (child as object);
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
