import { Events, type Client } from 'discord.js';
import type { Config } from '../config.ts';
import { createLogger, type Logger } from '../logger.ts';
import type { Library } from '../search/library.ts';
import type { LoadedLibrary } from '../search/loadLibrary.ts';
import { summarizeProblems } from '../articles/problems.ts';
import { createClient, FATAL_CLOSE_CODES } from './client.ts';
import type { CommandContext } from './command.ts';
import { createDirectMessageHandler } from './directMessages.ts';
import { createInteractionHandler } from './dispatcher.ts';
import { RateLimiter } from './rateLimiter.ts';
import { ResultSessions } from './resultSessions.ts';

export interface BotOptions {
  config: Pick<Config, 'DISCORD_TOKEN' | 'DISCORD_API_URL' | 'DM_MESSAGES_PER_MINUTE'>;
  library: Library;
  logger: Logger;
  /** Called when the gateway closes with a code that reconnecting cannot fix (bad token, intents). */
  onFatal?: (reason: string) => void;
  deferAfterMs?: number;
  extendContext?: (context: CommandContext, client: Client) => Promise<(() => Promise<void>) | void>;
}

/** A failure of ours at start, as opposed to Discord refusing the connection. */
export class StartupError extends Error {
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

export interface RunningBot {
  client: Client;
  context: CommandContext;
  stop(): Promise<void>;
}

/** Wire the library to a logged-in discord.js client. Resolves once the gateway is ready. */
export async function createBot(options: BotOptions): Promise<RunningBot> {
  const { config, library, logger } = options;
  const client = createClient(config.DISCORD_API_URL);
  const context: CommandContext = { library, sessions: new ResultSessions(), logger };
  const handleInteraction = createInteractionHandler(context, { deferAfterMs: options.deferAfterMs });
  const handleDirectMessage = createDirectMessageHandler(
    context,
    new RateLimiter(config.DM_MESSAGES_PER_MINUTE, 60_000),
  );
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  client.on(Events.InteractionCreate, (interaction) => track(handleInteraction(interaction)));
  client.on(Events.MessageCreate, (message) => track(handleDirectMessage(message)));
  client.on(Events.Error, (error) => logger.error({ err: error }, 'client error'));
  client.on(Events.Warn, (message) => logger.warn({ detail: message }, 'client warning'));
  client.on(Events.ShardDisconnect, (event, shard) => {
    const reason = FATAL_CLOSE_CODES.get(event.code);
    if (reason) {
      logger.fatal({ shard, code: event.code }, `gateway closed for good: ${reason}`);
      options.onFatal?.(reason);
    } else {
      logger.warn({ shard, code: event.code }, 'gateway disconnected');
    }
  });
  client.on(Events.ShardResume, (shard, replayed) => logger.info({ shard, replayed }, 'gateway resumed'));

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(config.DISCORD_TOKEN);
  await ready;
  let stopExtension: (() => Promise<void>) | void;
  try {
    stopExtension = await options.extendContext?.(context, client);
  } catch (error) {
    await client.destroy();
    throw new StartupError('the digest database could not be opened', error);
  }
  logger.info(
    { user: client.user?.tag, guilds: client.guilds.cache.size, articles: library.size },
    'bot ready',
  );

  return {
    client,
    context,
    async stop() {
      // Let commands in flight finish while the database is still open, then stop the digests.
      await Promise.allSettled([...inFlight]);
      await stopExtension?.();
      await client.destroy();
    },
  };
}

/** `npm start` with a token: run until SIGINT/SIGTERM, then shut down cleanly. */
export async function startBot(config: Config, loaded: LoadedLibrary): Promise<void> {
  const logger = createLogger(config.LOG_LEVEL);
  const { library, problems, timings } = loaded;
  logger.info(
    { articles: library.size, ms: Math.round(timings.totalMs), dir: config.ARTICLES_DIR },
    'library loaded',
  );
  if (problems.length) logger.warn({ problems: problems.length }, summarizeProblems(problems, 5).trimEnd());

  const fatal = (reason: string) => {
    process.stderr.write(`Broadsheet stopped: ${reason}\n`);
    process.exit(1);
  };
  let bot: RunningBot;
  try {
    const { attachDigests } = await import('./attachDigests.ts');
    bot = await createBot({
      config,
      library,
      logger,
      onFatal: fatal,
      extendContext: (context, client) => attachDigests(context, client, config),
    });
  } catch (error) {
    if (error instanceof StartupError) {
      logger.fatal({ err: error.cause }, error.message);
      fatal(
        `${error.message} (${error.cause instanceof Error ? error.cause.message : String(error.cause)}). Check DATA_DIR.`,
      );
      return;
    }
    const code = (error as { code?: string }).code;
    logger.fatal({ err: error }, 'could not connect to Discord');
    fatal(
      code === 'TokenInvalid'
        ? 'Discord rejected DISCORD_TOKEN. Reset the token in the developer portal and set it again.'
        : `could not connect to Discord (${code ?? (error instanceof Error ? error.message : String(error))}).`,
    );
    return;
  }

  // A promise someone forgot to await must not take the bot down with it: log it and keep serving.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await bot.stop().catch((error: unknown) => logger.error({ err: error }, 'shutdown failed'));
    logger.flush();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
