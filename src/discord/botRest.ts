import { REST, RESTEvents, type InternalRequest, type RESTOptions, type ResponseLike } from 'discord.js';

/** Edits, follow-ups and deletions of interaction answers: `/webhooks/<application>/<token>…`. */
const INTERACTION_WEBHOOK = /^\/webhooks\/\d{17,20}\/[^/]+/;

/** High enough never to hold a request back: Discord sets no global limit on these routes. */
const UNLIMITED_PER_SECOND = 1_000_000;

const FORWARDED_EVENTS = [
  RESTEvents.Debug,
  RESTEvents.InvalidRequestWarning,
  RESTEvents.RateLimited,
  RESTEvents.Response,
] as const;

/**
 * The bot client's REST manager. Discord leaves interaction callbacks and interaction webhooks out of
 * the bot's global limit of 50 requests a second, but @discordjs/rest counts the webhooks in: under a
 * burst of deferred answers the bot held its own edits to 50 a second (120 edits took 2.4 s, while
 * Discord would have taken them at once). Those requests go through a second manager without the
 * global cap; their per-interaction buckets (5 per 2 s) and every 429 are still honoured. Everything
 * else keeps the usual global accounting.
 */
export class BotRest extends REST {
  private readonly interactionWebhooks: REST;

  constructor(options: Partial<RESTOptions> = {}) {
    super(options);
    this.interactionWebhooks = new REST({ ...options, globalRequestsPerSecond: UNLIMITED_PER_SECOND });
    // Metrics and debugging listen on the client's manager only.
    for (const event of FORWARDED_EVENTS) {
      this.interactionWebhooks.on(event, (...args: unknown[]) => {
        (this.emit as (name: string, ...rest: unknown[]) => boolean)(event, ...args);
      });
    }
  }

  override setToken(token: string | null): this {
    super.setToken(token as string);
    this.interactionWebhooks.setToken(token as string);
    return this;
  }

  override queueRequest(request: InternalRequest): Promise<ResponseLike> {
    if (request.auth === false && INTERACTION_WEBHOOK.test(request.fullRoute))
      return this.interactionWebhooks.queueRequest(request);
    return super.queueRequest(request);
  }

  override clearHashSweeper(): void {
    super.clearHashSweeper();
    this.interactionWebhooks.clearHashSweeper();
  }

  override clearHandlerSweeper(): void {
    super.clearHandlerSweeper();
    this.interactionWebhooks.clearHandlerSweeper();
  }
}
