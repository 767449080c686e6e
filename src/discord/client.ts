import { Client, Events, GatewayIntentBits, Partials, RESTEvents, type REST } from 'discord.js';
import type { Logger } from '../logger.ts';
import { BotRest } from './botRest.ts';
import type { GatewayState, Metrics, RestSource } from '../ops/metrics.ts';
import { DISCORD_GLOBAL_REQUESTS_PER_SECOND, type ShardIdentity } from '../ops/shardIdentity.ts';

/**
 * The bot's client. Guilds for slash commands in servers, DirectMessages + the Channel partial for
 * DM lookups (DM channels are not cached before their first message); no privileged intent.
 * Mentions are off for every message unless one explicitly allows a role.
 */
export function createClient(apiUrl: string, shard: ShardIdentity | null = null): Client {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages],
    partials: [Partials.Channel],
    allowedMentions: { parse: [], repliedUser: false },
    rest: { api: apiUrl },
    // One shard per process under the shard manager: Discord then sends this process only its own
    // servers' events (and DMs to shard 0).
    ...(shard && { shards: [shard.id], shardCount: shard.count }),
  });
  // Before login, which hands the token to whatever manager is there (src/discord/botRest.ts says why).
  client.rest = new BotRest(client.options.rest);
  return client;
}

/**
 * A process's share of Discord's global limit (50 requests a second per bot, all processes together)
 * for its digest REST client, the one that sends bursts (a whole minute's digests at once). Five a
 * second stay free for the bots' own REST calls (DM replies, start-up checks; interaction callbacks and
 * interaction webhooks are exempt from the global limit), and each shard gets an equal part of the rest,
 * so N shards together stay under the limit instead of causing a storm of 429s.
 */
export function digestRequestsPerSecond(shard: ShardIdentity | null): number {
  const forDigests = DISCORD_GLOBAL_REQUESTS_PER_SECOND - RESERVED_FOR_BOT_REQUESTS;
  return Math.max(1, Math.floor(forDigests / (shard?.count ?? 1)));
}

const RESERVED_FOR_BOT_REQUESTS = 5;

/** Gateway close codes after which reconnecting cannot help: the configuration is wrong. */
export const FATAL_CLOSE_CODES: ReadonlyMap<number, string> = new Map([
  [
    4004,
    'the token was rejected (4004 Authentication failed). Reset it in the developer portal and set DISCORD_TOKEN.',
  ],
  [4010, 'an invalid shard was sent (4010).'],
  [4011, 'the bot is in too many servers for one shard (4011 Sharding required).'],
  [4012, 'the gateway API version is invalid (4012).'],
  [4013, 'invalid intents were sent (4013).'],
  [4014, 'a privileged intent is not enabled for this bot (4014 Disallowed intents).'],
]);

/**
 * Counts a REST client's responses by status (429s included) and its rate-limit waits. Call it for
 * `client.rest` and for any REST instance of one's own (the digests have one). No route or path is
 * recorded: Discord's paths carry ids and interaction tokens.
 */
export function observeRest(rest: REST, source: RestSource, metrics: Metrics): void {
  rest.on(RESTEvents.Response, (request, response) =>
    metrics.restResponse(source, request.method, response.status),
  );
  rest.on(RESTEvents.RateLimited, (info) => metrics.rateLimited(source, info.scope, info.global));
}

/** More gateway trouble than this in a minute is logged at warn. */
const QUIET_EVENTS_PER_MINUTE = 3;
const MINUTE_MS = 60_000;

interface GatewayMonitorOptions {
  logger: Logger;
  onState?: (state: GatewayState, code?: number) => void;
  onReconnect?: (code: number | undefined) => void;
  now?: () => number;
}

/**
 * Makes gateway trouble visible. discord.js reconnects by itself and says little: `ShardReconnecting`
 * carries no close code and `ShardDisconnect` fires only for fatal codes. The close code of a
 * resumable close, HELLO and invalidated sessions are only in discord.js's debug lines, so those are
 * read here; if their wording changes, the events are still logged, only without the code.
 *
 * Every disconnect, invalidated session, resume and new session is logged: at warn before the first
 * READY (a bad token answered with 4000 must not loop silently) or when there were more than three in
 * a minute, at info otherwise.
 */
export class GatewayMonitor {
  readonly #options: GatewayMonitorOptions;
  readonly #now: () => number;
  #troubleAt: number[] = [];
  #pendingClose: { code: number; reason: string; recover: string } | undefined;
  #everReady = false;
  #reachedApi = false;
  #helloSeen = false;
  #closesBeforeReady = 0;
  #lastCode: number | undefined;
  #stopped = false;

  constructor(client: Client, options: GatewayMonitorOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#state('connecting');
    client.on(Events.Debug, (line) => this.#onDebug(line));
    client.on(Events.ShardReconnecting, (shard) => {
      if (this.#stopped) return;
      // For a close from the server, discord.js logs the code just after this event: read it then.
      setImmediate(() => this.#onReconnecting(shard));
    });
    client.on(Events.ShardResume, (shard, replayed) => {
      this.#options.logger.info({ shard, replayed }, 'gateway resumed');
      this.#state('ready');
    });
    client.on(Events.ShardReady, (shard) => {
      if (this.#everReady) this.#options.logger.info({ shard }, 'gateway ready (new session)');
      this.#everReady = true;
      this.#state('ready');
    });
    client.on(Events.ShardError, (error, shard) => {
      this.#options.logger.warn({ err: error, shard }, 'gateway error');
    });
    client.on(Events.ShardDisconnect, (event) => {
      this.#lastCode = event.code;
      this.#state('disconnected', event.code);
    });
    // Declared by discord.js 14 but not emitted by it; kept so a future version is not silent.
    client.on(Events.Invalidated, () => this.#options.logger.warn('gateway session invalidated for good'));
  }

  /** Our own destroy closes the gateway too: that is not trouble. */
  stop(): void {
    this.#stopped = true;
    this.#state('disconnected');
  }

  /** Why start-up did not reach READY, naming the likely cause from what the gateway did. */
  startupFailure(seconds: number, apiUrl: string): string {
    const base = `Discord did not become ready within ${seconds} s (STARTUP_TIMEOUT_SECONDS)`;
    if (!this.#reachedApi)
      return `${base}: Discord's API at ${apiUrl} did not answer. Check the network and DISCORD_API_URL.`;
    if (this.#closesBeforeReady > 0)
      return (
        `${base}: the gateway closed the connection ${this.#closesBeforeReady} time(s), last with close code ${this.#lastCode ?? 'unknown'}. ` +
        'A server that rejects the token may answer with 4000: check DISCORD_TOKEN, then the network and DISCORD_API_URL.'
      );
    if (!this.#helloSeen)
      return `${base}: the gateway named by ${apiUrl} never answered. Check the network (a proxy or firewall blocking WebSockets) and DISCORD_API_URL.`;
    return `${base}: the gateway never answered IDENTIFY with READY. Check DISCORD_TOKEN and DISCORD_API_URL.`;
  }

  #onDebug(line: string): void {
    if (line.includes('Fetched Gateway Information')) this.#reachedApi = true;
    else if (line.includes('Preparing first heartbeat')) this.#helloSeen = true;
    else if (line.includes('Destroying shard')) {
      const code = /Code: (\d+)/.exec(line)?.[1];
      const recover = /Recover: (\w+)/.exec(line)?.[1] ?? 'none';
      if (code && recover !== 'none')
        this.#pendingClose = {
          code: Number(code),
          reason: /Reason: (.*)/.exec(line)?.[1] ?? 'none',
          recover,
        };
    } else {
      const invalid = /Invalid session; will attempt to resume: (true|false)/.exec(line);
      if (invalid && !this.#stopped) {
        const resumable = invalid[1] === 'true';
        this.#log({ resumable, shard: shardOf(line) }, 'gateway session invalidated');
      }
    }
  }

  #onReconnecting(shard: number): void {
    if (this.#stopped) return;
    const close = this.#pendingClose;
    this.#pendingClose = undefined;
    const code = close?.code;
    this.#lastCode = code ?? this.#lastCode;
    if (!this.#everReady) this.#closesBeforeReady++;
    this.#options.onReconnect?.(code);
    this.#state('reconnecting', code);
    this.#log(
      {
        shard,
        code,
        action: close?.recover === 'Resume' ? 'resume' : 'new session',
        ...(close && close.reason !== 'none' && { reason: close.reason }),
      },
      code === undefined
        ? 'gateway disconnected; reconnecting'
        : `gateway disconnected (close ${code}); reconnecting`,
    );
  }

  #log(bindings: Record<string, unknown>, message: string): void {
    const now = this.#now();
    this.#troubleAt = this.#troubleAt.filter((at) => now - at < MINUTE_MS);
    this.#troubleAt.push(now);
    const inLastMinute = this.#troubleAt.length;
    const loud = !this.#everReady || inLastMinute > QUIET_EVENTS_PER_MINUTE;
    const log = { ...bindings, inLastMinute, beforeReady: !this.#everReady };
    if (loud) this.#options.logger.warn(log, message);
    else this.#options.logger.info(log, message);
  }

  #state(state: GatewayState, code?: number): void {
    this.#options.onState?.(state, code);
  }
}

function shardOf(debugLine: string): number | undefined {
  const id = /\[WS => Shard (\d+)\]/.exec(debugLine)?.[1];
  return id === undefined ? undefined : Number(id);
}
