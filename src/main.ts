import path from 'node:path';
import type { Client } from 'discord.js';
import { LibraryRef } from './app/libraryRef.ts';
import { summarizeProblems } from './articles/problems.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { loadDotEnv, unwritableDirReason } from './environment.ts';
import { feedsFileProblem, startFeedImports, type FeedImports } from './feeds/feedImportSchedule.ts';
import { createLogger, defaultLogFormat, type Logger } from './logger.ts';
import { shardIdentityFromEnv } from './ops/shardIdentity.ts';
import { onShutdownSignal } from './ops/shutdownSignals.ts';
import type { LoadedLibrary, LoadProgress } from './search/loadLibrary.ts';
import { loadLibraryInBackground } from './search/loadLibraryInBackground.ts';
import { watchLibrary, type LiveLibrary } from './search/liveLibrary.ts';

/**
 * The composition root, in the guide's order: config → store → corpus → library → front end →
 * scheduler → shutdown. Discord when DISCORD_TOKEN is set, the terminal otherwise.
 */
async function main(): Promise<void> {
  const envFile = loadDotEnv();
  const config = readConfig();
  const dataDirProblem = unwritableDirReason(config.DATA_DIR);
  if (dataDirProblem) {
    process.stderr.write(`${dataDirProblem}\n`);
    process.exit(1);
  }
  const feedsProblem = feedsFileProblem(config);
  if (feedsProblem) {
    process.stderr.write(`${feedsProblem}\n`);
    process.exit(1);
  }
  if (!config.DISCORD_TOKEN) {
    await runLocalMode(config, envFile);
    return;
  }
  await runBot({ ...config, DISCORD_TOKEN: config.DISCORD_TOKEN }, envFile);
}

async function runLocalMode(config: Config, envFile: string | null): Promise<void> {
  // A signal (or npm exiting) ends the prompt: only a feed import may need stopping, then exit 0.
  const feeds: { imports?: FeedImports } = {};
  onShutdownSignal(async () => feeds.imports?.stop());
  const { runTerminal, isOneShot } = await import('./local/terminal.ts');
  // The prompt and a pipe are served from the caches at once and catch up with the folder (watchLibrary);
  // a one-shot command answers from a library checked against the folder first.
  const oneShot = isOneShot(process.argv.slice(2));
  const loaded = await openLibrary(config, terminalProgress(), !oneShot);
  const { library, problems, timings } = loaded;
  const summary = `${describeCounts(library)} from ${config.ARTICLES_DIR} in ${Math.round(timings.totalMs)} ms`;
  const settings = envFile ? ` Settings from ${path.relative(process.cwd(), envFile) || envFile}.` : '';
  process.stderr.write(
    `Broadsheet local mode (no DISCORD_TOKEN): ${summary}.${settings}\n${summarizeProblems(problems, 5)}`,
  );
  // The prompt and a pipe see the corpus change (WATCH_ARTICLES, SIGHUP); a one-shot command does not wait.
  const current = new LibraryRef(library);
  const live = oneShot ? null : watchLibrary({ config, library: current });
  // So are feeds imported (FEEDS_FILE), reporting on stderr: stdout stays the answers'.
  if (config.FEEDS_FILE && !isOneShot(process.argv.slice(2))) {
    const format = config.LOG_FORMAT ?? defaultLogFormat(process.stderr);
    feeds.imports = startFeedImports({
      config,
      logger: createLogger(config.LOG_LEVEL, process.stderr, format),
      knownArticles: () => current.current.articles(),
    });
  }
  process.exitCode = await runTerminal(current, {
    argv: process.argv.slice(2),
    input: process.stdin,
    output: process.stdout,
    banner: 'Type `help` for the commands, `quit` to leave. Try: search deep learning',
  });
  await feeds.imports?.stop();
  await live?.stop();
}

async function runBot(config: Config & { DISCORD_TOKEN: string }, envFile: string | null): Promise<void> {
  const logger = createLogger(config.LOG_LEVEL, undefined, config.LOG_FORMAT);
  logger.info(
    { envFile: envFile ?? 'none' },
    envFile ? 'settings read from .env' : 'no .env file; settings from the environment',
  );
  // SHARD_COUNT above 1 (or auto): this process only manages one child process per shard, each of which
  // runs this same entry as a shard (README, Scaling out).
  const { runShardManagerIfSharded } = await import('./discord/shardManager.ts');
  if (await runShardManagerIfSharded(config, logger, (reason) => stop(logger, reason))) return;
  // A promise someone forgot to await must not take the bot down with it: log it and keep serving.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  // A throw nobody caught leaves the process in an unknown state: log it, shut down as cleanly as we can, exit 1.
  const running: { shutdown?: (reason: string, exitCode?: number) => Promise<void> } = {};
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    setTimeout(() => stop(logger, `an unexpected error (${errorText(error)}).`), 10_000).unref();
    if (running.shutdown) void running.shutdown('uncaughtException', 1);
    else stop(logger, `an unexpected error (${errorText(error)}).`);
  });

  // health and metrics: up before anything else, so /healthz answers 503 "library loading" during start-up
  const [{ HealthState }, { Metrics }, { startHealthServer }] = await Promise.all([
    import('./ops/health.ts'),
    import('./ops/metrics.ts'),
    import('./ops/healthServer.ts'),
  ]);
  const health = new HealthState();
  // What has been started so far: a stop during start-up closes just that and exits 0.
  const started: {
    healthServer?: { close(): Promise<void> };
    store?: { close(): Promise<void> };
    digests?: { stop(): Promise<void> };
    feeds?: FeedImports;
    library?: LiveLibrary;
    bot?: { stopAccepting(): void; drain(): Promise<void>; destroy(): Promise<void> };
    /** Logging in: a stop then waits a little for it, so the gateway session is closed, not dropped. */
    connecting?: Promise<unknown>;
  } = {};
  // shutdown: refuse new interactions, finish what is in flight, stop the digests, close the database,
  // then the gateway, then the health listener.
  let stopping = false;
  const shutdown = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, starting: !started.digests }, 'shutting down');
    try {
      health.stopping();
      if (!started.bot && started.connecting) {
        await Promise.race([started.connecting.catch(() => undefined), delay(LOGIN_WAIT_ON_STOP_MS)]);
      }
      started.bot?.stopAccepting();
      await started.bot?.drain();
      await started.digests?.stop();
      await started.feeds?.stop();
      await started.library?.stop();
      await started.store?.close();
      await started.bot?.destroy();
      await started.healthServer?.close();
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
    }
    logger.flush();
    process.exit(exitCode);
  };
  running.shutdown = shutdown;
  onShutdownSignal(shutdown);
  const metrics = config.HEALTH_PORT ? new Metrics({ processMetrics: true }) : undefined;
  let healthServer: Awaited<ReturnType<typeof startHealthServer>> | undefined;
  if (config.HEALTH_PORT && metrics) {
    try {
      healthServer = await startHealthServer({
        port: config.HEALTH_PORT,
        host: config.HEALTH_HOST,
        health: () => health.check(),
        metrics: () => metrics.render(),
        onError: (error) => logger.error({ err: error }, 'metrics could not be rendered'),
      });
      started.healthServer = healthServer;
      logger.info({ host: config.HEALTH_HOST, port: healthServer.port }, 'health and metrics listening');
    } catch (error) {
      return stop(
        logger,
        `HEALTH_PORT ${config.HEALTH_PORT} on ${config.HEALTH_HOST} could not be opened (${errorText(error)}). Choose a free port or unset HEALTH_PORT.`,
      );
    }
  }
  const [
    { commands },
    { createBot, loginFailureMessage },
    { createDigests },
    { openStore, StoreUnavailableError },
    { claimOwnerId, claimTimeoutMsFromConfig },
    { observeRest },
    { createDigestRest },
    { catchUpMsFromConfig },
    { reportStartup },
  ] = await Promise.all([
    import('../commands/index.ts'),
    import('./discord/startBot.ts'),
    import('./discord/digests.ts'),
    import('./store/openStore.ts'),
    import('./digest/lease.ts'),
    import('./discord/client.ts'),
    import('./discord/discordDelivery.ts'),
    import('./digest/scheduler.ts'),
    import('./discord/startupReport.ts'),
  ]);

  // store: Postgres when DATABASE_URL is set, SQLite in DATA_DIR otherwise (its errors never hold the password)
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(config, logger);
    started.store = store;
  } catch (error) {
    logger.fatal({ err: error }, 'the digest database could not be opened');
    if (error instanceof StoreUnavailableError) return stop(logger, error.message);
    return stop(logger, `the digest database could not be opened (${errorText(error)}).`);
  }

  // corpus → library
  // Served from the caches at once; watchLibrary (always started below) catches up with the folder.
  const loaded = await openLibrary(
    config,
    (progress) =>
      logger.info(progress, `loading the library: ${progress.phase} ${progress.done} of ${progress.total}`),
    true,
  );
  logLoaded(logger, config, loaded);
  const library = new LibraryRef(loaded.library);
  health.libraryLoaded();
  metrics?.libraryLoaded(loaded.library.size, loaded.timings.totalMs / 1000);
  started.library = watchLibrary({
    config,
    library,
    logger,
    onReload: (report) => metrics?.libraryReloaded(report.error ? 'failed' : 'reloaded', report.articles),
  });

  // front end
  // The digests' own REST instance (its retry settings differ from the client's), counted in /metrics.
  const digestRest = createDigestRest(config.DISCORD_TOKEN, { api: config.DISCORD_API_URL });
  if (metrics) observeRest(digestRest, 'digest', metrics);
  const digests = createDigests({
    store,
    rest: digestRest,
    library: () => library.current,
    logger,
    catchUpMs: catchUpMsFromConfig(config),
    claim: {
      claimOwner: claimOwnerId(shardIdentityFromEnv()?.id),
      claimTimeoutMs: claimTimeoutMsFromConfig(config),
    },
    onRun: (report) => metrics?.digestRun(report.state),
  });
  let bot: Awaited<ReturnType<typeof createBot>>;
  try {
    const connecting = createBot({
      config,
      library,
      logger,
      commands,
      digest: digests.service,
      onFatal: (reason) => stop(logger, reason),
      startupTimeoutMs: config.STARTUP_TIMEOUT_SECONDS * 1000,
      metrics,
      onGatewayState: (state, code) => health.gateway(state, code),
    });
    started.connecting = connecting.then((connected) => (started.bot = connected));
    bot = await connecting;
  } catch (error) {
    if (stopping) return; // stopped while connecting: shutdown exits
    logger.fatal({ err: error }, 'could not connect to Discord');
    await store.close();
    return stop(logger, loginFailureMessage(error));
  }
  started.bot = bot;
  if (stopping) return; // a stop came while logging in: shutdown closes it
  void reportStartup(bot.client as Client<true>, {
    definitions: commands.map((command) => command.data),
    guildId: config.DISCORD_GUILD_ID,
    logger,
  });

  // scheduler
  try {
    started.digests = digests;
    await digests.start();
  } catch (error) {
    if (stopping) return;
    logger.fatal({ err: error }, 'the digest scheduler could not start');
    await bot.destroy();
    await store.close();
    return stop(logger, `the digest scheduler could not start (${errorText(error)}).`);
  }

  // feeds: imported now and every FEEDS_EVERY_MINUTES into the corpus; by the first shard only (one writer)
  if (config.FEEDS_FILE && !stopping && (shardIdentityFromEnv()?.id ?? 0) === 0)
    started.feeds = startFeedImports({
      config,
      logger,
      metrics,
      knownArticles: () => library.current.articles(),
    });
}

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable and its default.\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function openLibrary(
  config: Config,
  onProgress: (progress: LoadProgress) => void,
  catchUpLater: boolean,
): Promise<LoadedLibrary> {
  const articlesDir = path.resolve(config.ARTICLES_DIR);
  try {
    return await loadLibraryInBackground({
      articlesDir,
      dataDir: path.resolve(config.DATA_DIR),
      maxFileBytes: config.MAX_ARTICLE_BYTES,
      onProgress,
      catchUpLater,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : String(error);
    process.stderr.write(
      `ARTICLES_DIR ${articlesDir} ${reason}. Point ARTICLES_DIR at a folder of article files.\n`,
    );
    process.exit(1);
  }
}

/** "20,000 articles, 6,911 recommendable": files marked published: false are kept but never recommended. */
function describeCounts(library: LoadedLibrary['library']): string {
  const all = `${library.size.toLocaleString('en-US')} article${library.size === 1 ? '' : 's'}`;
  const live = library.liveCount;
  return live === library.size ? all : `${all} (${live.toLocaleString('en-US')} recommendable)`;
}

/** A first load of a big corpus takes a while: say how far it got, at most once a second. */
function terminalProgress(): (progress: LoadProgress) => void {
  let last = 0;
  return ({ phase, done, total }) => {
    if (total < 1_000) return; // a small corpus loads in well under a second
    const now = performance.now();
    if (now - last < 1_000 && done !== total) return;
    last = now;
    const verb = phase === 'reading' ? 'Reading article files' : 'Indexing articles';
    process.stderr.write(`${verb}: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}…\n`);
  };
}

function logLoaded(logger: Logger, config: Config, { library, problems, timings }: LoadedLibrary): void {
  logger.info(
    {
      articles: library.size,
      recommendable: library.liveCount,
      ms: Math.round(timings.totalMs),
      dir: config.ARTICLES_DIR,
    },
    `library loaded: ${describeCounts(library)}`,
  );
  if (problems.length) logger.warn({ problems: problems.length }, summarizeProblems(problems, 5).trimEnd());
}

/** How long a stop during login waits for the gateway, so it can close the session cleanly. */
const LOGIN_WAIT_ON_STOP_MS = 5_000;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Stops for good with a reason on stderr (and exit code 1): something only the host can fix. */
function stop(logger: Logger, reason: string): void {
  logger.flush();
  process.stderr.write(`Broadsheet stopped: ${reason}\n`);
  process.exit(1);
}

await main();
