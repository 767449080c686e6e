import { Events, type Client } from 'discord.js';
import type { LibraryRef } from '../app/libraryRef.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createClient, FATAL_CLOSE_CODES } from './client.ts';
import type { Command, CommandContext } from './command.ts';
import type { DigestService } from './digestService.ts';
import { createDirectMessageHandler } from './directMessages.ts';
import { createInteractionHandler } from './dispatcher.ts';
import { RateLimiter } from './rateLimiter.ts';
import { ResultSessions } from './resultSessions.ts';

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
}

export interface RunningBot {
  client: Client;
  context: CommandContext;
  /** Waits for interactions and DM lookups in flight. */
  drain(): Promise<void>;
  /** Closes the gateway session. */
  destroy(): Promise<void>;
  /** drain, then destroy. */
  stop(): Promise<void>;
}

/** Wire the app to a logged-in discord.js client. Resolves once the gateway is ready. */
export async function createBot(options: BotOptions): Promise<RunningBot> {
  const { config, logger } = options;
  const client = createClient(config.DISCORD_API_URL);
  const context: CommandContext = {
    library: options.library,
    sessions: new ResultSessions(),
    logger,
    digest: options.digest ?? null,
  };
  const handleInteraction = createInteractionHandler(context, {
    commands: options.commands,
    deferAfterMs: options.deferAfterMs,
  });
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
  logger.info(
    { user: client.user?.tag, guilds: client.guilds.cache.size, articles: options.library.current.size },
    'bot ready',
  );

  const drain = async () => {
    while (inFlight.size) await Promise.allSettled([...inFlight]);
  };
  const destroy = () => client.destroy();
  return {
    client,
    context,
    drain,
    destroy,
    async stop() {
      await drain();
      await destroy();
    },
  };
}

/** Why logging in failed, in words a host can act on. */
export function loginFailureMessage(error: unknown): string {
  const code = (error as { code?: string }).code;
  return code === 'TokenInvalid'
    ? 'Discord rejected DISCORD_TOKEN. Reset the token in the developer portal and set it again.'
    : `could not connect to Discord (${code ?? (error instanceof Error ? error.message : String(error))}).`;
}
