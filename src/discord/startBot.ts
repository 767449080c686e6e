import { Events, type Client } from 'discord.js';
import type { LibraryRef } from '../app/libraryRef.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { GatewayState, Metrics } from '../ops/metrics.ts';
import { shardIdentityFromEnv, type ShardIdentity } from '../ops/shardIdentity.ts';
import { createClient, FATAL_CLOSE_CODES, GatewayMonitor, observeRest } from './client.ts';
import type { Command, CommandContext } from './command.ts';
import type { DigestService } from './digestService.ts';
import { createDirectMessageHandler } from './directMessages.ts';
import { createInteractionHandler } from './dispatcher.ts';
import { RateLimiter } from './rateLimiter.ts';
import { ResultSessions } from './resultSessions.ts';
import { installUncachedDmFallback } from './uncachedDirectMessages.ts';

export interface BotOptions {
  config: Pick<Config, 'DISCORD_TOKEN' | 'DISCORD_API_URL' | 'DM_MESSAGES_PER_MINUTE'>;
  library: LibraryRef;
  logger: Logger;
  /** The command registry (commands/index.ts), passed in by the composition root. */
  commands: readonly Command[];
  /** Server digests and subscriptions; null or absent when the bot runs without its database. */
  digest?: DigestService | null;
  /** Called when the gateway closes with a code that reconnecting cannot fix (bad token, intents). */
  onFatal?: (reason: string) => void;
  deferAfterMs?: number;
  /** Acknowledge at once an interaction expected to wait longer than this for its turn (tests: 0). */
  earlyAckMs?: number;
  /** Reject (and destroy the client) when the gateway is not READY by then. Default 60 s. */
  startupTimeoutMs?: number;
  /** Interactions, REST responses and gateway state are counted here when given. */
  metrics?: Metrics;
  /** Every gateway state change, for /healthz. */
  onGatewayState?: (state: GatewayState, code?: number) => void;
  /** The shard this process serves; default: what the shard manager put in the environment (none: all). */
  shard?: ShardIdentity | null;
}

export interface RunningBot {
  client: Client;
  context: CommandContext;
  /**
   * From now on every interaction gets a short "restarting" answer (autocomplete an empty list) and
   * touches nothing else: the database may be closing.
   */
  stopAccepting(): void;
  /** Stops accepting, then waits for interactions and DM lookups in flight. */
  drain(): Promise<void>;
  /** Closes the gateway session. */
  destroy(): Promise<void>;
  /** drain, then destroy. */
  stop(): Promise<void>;
}

/** Start-up did not reach READY; the message says why in words a host can act on. */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/**
 * Wire the app to a logged-in discord.js client. Resolves once the gateway is ready; rejects with a
 * StartupError (the client destroyed) when it is not within `startupTimeoutMs`, or the gateway closes
 * for good first.
 */
export async function createBot(options: BotOptions): Promise<RunningBot> {
  const { config, logger, metrics } = options;
  const shard = options.shard === undefined ? shardIdentityFromEnv() : options.shard;
  const client = createClient(config.DISCORD_API_URL, shard);
  if (shard && process.send) ignoreClosedManagerChannel(logger);
  if (metrics) observeRest(client.rest, 'bot', metrics);
  const gateway = new GatewayMonitor(client, {
    logger,
    onState: (state, code) => {
      metrics?.gatewayState(state);
      options.onGatewayState?.(state, code);
    },
    onReconnect: (code) => metrics?.gatewayReconnect(code),
  });
  let accepting = true;
  const context: CommandContext = {
    library: options.library,
    sessions: new ResultSessions(),
    logger,
    digest: options.digest ?? null,
  };
  const handleInteraction = createInteractionHandler(context, {
    commands: options.commands,
    deferAfterMs: options.deferAfterMs,
    earlyAckMs: options.earlyAckMs,
    accepting: () => accepting,
    ...(metrics && { observe: (handled) => metrics.interactionHandled(handled) }),
  });
  const handleDirectMessage = createDirectMessageHandler(
    context,
    new RateLimiter(config.DM_MESSAGES_PER_MINUTE, 60_000),
    { accepting: () => accepting },
  );
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  client.on(Events.InteractionCreate, (interaction) => track(handleInteraction(interaction)));
  client.on(Events.MessageCreate, (message) => track(handleDirectMessage(message)));
  installUncachedDmFallback(client, (message) => track(handleDirectMessage(message)), logger);
  client.on(Events.Error, (error) => logger.error({ err: error }, 'client error'));
  client.on(Events.Warn, (message) => logger.warn({ detail: message }, 'client warning'));
  let ready = false;
  let failStartup: (error: StartupError) => void = () => undefined;
  const startupFailed = new Promise<never>((_resolve, reject) => (failStartup = reject));
  client.on(Events.ShardDisconnect, (event, shard) => {
    const reason = FATAL_CLOSE_CODES.get(event.code) ?? `the gateway closed with code ${event.code}.`;
    if (!ready) {
      // createBot rejects with it; the caller decides how to stop.
      logger.error({ shard, code: event.code }, `gateway closed for good before READY: ${reason}`);
      failStartup(new StartupError(reason));
      return;
    }
    logger.fatal({ shard, code: event.code }, `gateway closed for good: ${reason}`);
    options.onFatal?.(reason);
  });

  const startupTimeoutMs = options.startupTimeoutMs ?? 60_000;
  const timer = setTimeout(
    () =>
      failStartup(new StartupError(gateway.startupFailure(startupTimeoutMs / 1000, config.DISCORD_API_URL))),
    startupTimeoutMs,
  );
  try {
    const isReady = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await Promise.race([
      client.login(config.DISCORD_TOKEN).catch((error: unknown) => {
        throw loginError(error, config.DISCORD_API_URL);
      }),
      startupFailed,
    ]);
    await Promise.race([isReady, startupFailed]);
    ready = true;
  } catch (error) {
    gateway.stop();
    await destroyClient(client, logger);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  logger.info(
    {
      user: client.user?.tag,
      guilds: client.guilds.cache.size,
      articles: options.library.current.size,
      ...(shard && { shardCount: shard.count }),
    },
    shard ? `bot ready (shard ${shard.id} of ${shard.count})` : 'bot ready',
  );

  handleInteraction.warmUp().then(
    (report) => logger.debug(report, 'answering code warmed up'),
    (error: unknown) => logger.warn({ err: error }, 'warming up failed; answers are only slower at first'),
  );

  const stopAccepting = () => {
    accepting = false;
  };
  const drain = async () => {
    stopAccepting();
    while (inFlight.size) await Promise.allSettled([...inFlight]);
  };
  const destroy = () => {
    gateway.stop();
    return destroyClient(client, logger);
  };
  return {
    client,
    context,
    stopAccepting,
    drain,
    destroy,
    async stop() {
      await drain();
      await destroy();
    },
  };
}

/**
 * discord.js reports each gateway change of a shard to its manager over IPC, without a callback, so a
 * report after the manager died becomes an 'error' event on `process`, which nobody would catch. The
 * parent watcher (src/ops/shutdownSignals.ts) already stops this shard then; the failed report is expected.
 */
function ignoreClosedManagerChannel(logger: Logger): void {
  process.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ERR_IPC_CHANNEL_CLOSED')
      logger.debug('the shard manager is gone; not reporting to it');
    else logger.error({ err: error }, 'process error');
  });
}

const DESTROY_WAIT_MS = 2_000;

/**
 * `client.destroy()`, but never waiting more than two seconds. @discordjs/ws 1.2 never settles a
 * destroy that lands while a shard waits for HELLO or READY (aborting that wait starts a second,
 * reconnecting destroy that takes the first one's close handler), which is exactly when a start-up
 * times out or a shutdown meets a reconnect. The process exits soon after, which ends that socket.
 */
async function destroyClient(client: Client, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'gave up'>((resolve) => {
    timer = setTimeout(() => resolve('gave up'), DESTROY_WAIT_MS);
    timer.unref();
  });
  const outcome = await Promise.race([client.destroy().catch(() => undefined), gaveUp]);
  clearTimeout(timer);
  if (outcome === 'gave up')
    logger.warn('the gateway connection did not close within 2 s; leaving it to the exit');
}

/** login() rejected: a rejected token keeps discord.js's error (and its code); anything else names the API URL. */
function loginError(error: unknown, apiUrl: string): unknown {
  if ((error as { code?: string }).code === 'TokenInvalid') return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StartupError(
    `could not reach Discord's API at ${apiUrl} (${detail}). Check the network and DISCORD_API_URL.`,
    { cause: error },
  );
}

/** Why logging in failed, in words a host can act on. */
export function loginFailureMessage(error: unknown): string {
  if (error instanceof StartupError) return error.message;
  const code = (error as { code?: string }).code;
  return code === 'TokenInvalid'
    ? 'Discord rejected DISCORD_TOKEN. Reset the token in the developer portal and set it again.'
    : `could not connect to Discord (${code ?? (error instanceof Error ? error.message : String(error))}).`;
}
