import type { APIEmbed, APIMessageTopLevelComponent } from 'discord.js';
import type { DiscordErrorBody } from './errors.ts';
import type { PermissionInput } from './permissions.ts';
import type { JsonObject } from './validation/index.ts';

export type { PermissionInput };

// ---------------------------------------------------------------------------------------------------------
// Specs: what tests pass in to describe the world.

export interface UserSpec {
  id?: string;
  username: string;
  globalName?: string | null;
  bot?: boolean;
  /** Opening a DM channel with this user works, but posting into it answers 403 / 50007. */
  dmsClosed?: boolean;
  locale?: string;
}

/** A user spec or the id of a user already known to the emulator (unknown ids get a generated username). */
export type UserRef = UserSpec | string;

export interface RoleSpec {
  id?: string;
  name: string;
  permissions?: PermissionInput;
  position?: number;
  color?: number;
  hoist?: boolean;
  mentionable?: boolean;
  managed?: boolean;
}

export interface OverwriteSpec {
  /** Role id (the guild id is @everyone) or user id. */
  id: string;
  type: 'role' | 'member';
  allow?: PermissionInput;
  deny?: PermissionInput;
}

export interface ChannelSpec {
  id?: string;
  name: string;
  /** Discord channel type; default 0 (GUILD_TEXT). */
  type?: number;
  parentId?: string | null;
  topic?: string | null;
  position?: number;
  nsfw?: boolean;
  overwrites?: OverwriteSpec[];
  /** GUILD_FORUM (type 15): the tags a post may apply (ids generated when omitted). */
  availableTags?: { id?: string; name: string; moderated?: boolean }[];
}

export interface MemberSpec {
  user: UserRef;
  roles?: string[];
  nick?: string | null;
}

export interface GuildSpec {
  id?: string;
  name: string;
  /** Defaults to the first member, or a generated owner. */
  ownerId?: string;
  channels?: ChannelSpec[];
  /** The @everyone role has the guild's id; it is created with default permissions when not listed. */
  roles?: RoleSpec[];
  members?: MemberSpec[];
  /** Permissions of the bot's managed role (default: view, send, embed, attach, history, reactions). */
  botPermissions?: PermissionInput;
  /** Extra role ids given to the bot member. */
  botRoles?: string[];
  locale?: string;
}

// ---------------------------------------------------------------------------------------------------------
// Options

/** Settings that can also be changed at runtime with `emu.configure()`. */
export interface EmulatorConfig {
  /** HELLO heartbeat_interval (default 41250). */
  heartbeatIntervalMs: number;
  /** Window to send the initial interaction callback (default 3000). */
  ackDeadlineMs: number;
  /** Lifetime of interaction tokens for webhook follow-ups/edits (default 15 min). */
  interactionTokenTtlMs: number;
  /** `enforce_nonce` de-duplication window (default 5 min). */
  nonceWindowMs: number;
  /** Policy: every created message must carry `allowed_mentions: { parse: [] }` (or explicit roles). */
  requireNoMentions: boolean;
  /** Policy: flag embed `url` values longer than 512 characters. */
  strictUrls: boolean;
  /** `sendCommand` for a command the bot never registered records a violation (default false: inferred). */
  requireRegisteredCommands: boolean;
  /** Privileged intents enabled "in the developer portal" (bitfield). Others close the gateway with 4014. */
  privilegedIntents: number;
  /**
   * How IDENTIFY is answered (an injected failure, not a violation): `'ready'` (default) checks it and
   * sends READY; `'nothing'` never answers (a gateway that never becomes ready); a number closes the
   * connection with that code whatever the token (a server that answers a bad token with 4000).
   */
  identifyAnswer: 'ready' | 'nothing' | number;
  /** Per-route bucket size advertised in x-ratelimit-* headers; exceeding it answers 429. */
  rateLimit: { limit: number; windowMs: number };
  /**
   * Discord's global limit per bot, across all its processes (default 50 requests per 1000 ms, as a token
   * bucket); interaction callbacks and interaction webhooks are exempt. Past it: 429 with `global: true`.
   * Null turns it off.
   */
  globalRateLimit: { limit: number; windowMs: number } | null;
  /** `shards` in GET /gateway/bot; null: one per 1,000 guilds (at least 1), as Discord recommends. */
  recommendedShards: number | null;
  /** `session_start_limit.max_concurrency` in GET /gateway/bot (default 1). */
  maxConcurrency: number;
  /** A shard that would hold more guilds than this is closed with 4011 Sharding required (default 2500). */
  maxGuildsPerShard: number;
  /** Quiet period for `handle.settled()` (default 250). */
  settleQuietMs: number;
  /** Default timeout for `handle.response()` / waits (default 5000). */
  responseTimeoutMs: number;
}

export interface EmulatorOptions extends Partial<EmulatorConfig> {
  /** Bot token the emulator accepts (default: a generated Discord-shaped token, see `emu.token`). */
  token?: string;
  applicationId?: string;
  applicationName?: string;
  botUser?: { id?: string; username?: string };
  /** Base clock (default Date.now); `emu.clock.advance(ms)` adds to it. */
  now?: () => number;
  guilds?: GuildSpec[];
  users?: UserSpec[];
  /** Print every REST request and gateway payload to stderr. */
  debug?: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// Records: what tests read back.

export type ViolationKind =
  /** Discord would have rejected the request; the emulator answered with Discord's error. */
  | 'rejected'
  /** Discord accepts it, but a product rule (requireNoMentions, strictUrls, ...) forbids it. */
  | 'policy'
  /** The bot hit an endpoint the emulator (and usually Discord) does not have. */
  | 'unknown-route'
  /** The bot sent past an advertised rate limit. */
  | 'rate-limit'
  /** Gateway protocol misuse (bad opcode, second IDENTIFY, bad RESUME sequence, ...). */
  | 'gateway';

export interface Violation {
  kind: ViolationKind;
  reason: string;
  method?: string;
  /** Route template, e.g. `/channels/:channel_id/messages`. */
  route?: string;
  path?: string;
  status?: number;
  /** Discord JSON error code, when the request was rejected. */
  code?: number;
  body?: unknown;
  errors?: JsonObject;
  interactionId?: string;
  at: number;
}

export interface FileMeta {
  field: string;
  filename: string;
  size: number;
  contentType: string;
}

export interface RecordedRequest {
  seq: number;
  at: number;
  method: string;
  /** Path after `/api/v10`, e.g. `/channels/123/messages`. */
  path: string;
  route: string;
  query: Record<string, string>;
  /** `bot` when a valid bot token was sent, `none` without Authorization, `invalid` for a wrong token. */
  auth: 'bot' | 'none' | 'invalid';
  contentType: string | undefined;
  body: unknown;
  files: FileMeta[];
  status: number;
  response: unknown;
}

export interface GatewayLogEntry {
  at: number;
  connection: number;
  /** The shard of the connection's session (0 when unsharded); null before IDENTIFY or RESUME. */
  shard: number | null;
  direction: 'send' | 'receive';
  op: number;
  t: string | null;
  s: number | null;
  d: unknown;
}

export type MessageSource =
  /** POST /channels/{id}/messages by the bot. */
  | 'channel'
  /** Created by an interaction callback (type 4, or the loading message of type 5). */
  | 'interaction-response'
  /** POST /webhooks/{app}/{token} follow-up. */
  | 'follow-up'
  /** Sent by a (simulated) user through `sendDirectMessage`. */
  | 'user'
  /** Seeded by a test with `emu.seedMessage`. */
  | 'seed';

export interface MessageEdit {
  at: number;
  body: JsonObject;
}

export interface StoredAttachment {
  id: string;
  filename: string;
  size: number;
  contentType: string;
  description?: string;
}

/** A message as the emulator stores it. Mutated in place by edits/deletes; `edits` keeps the history. */
export interface StoredMessage {
  id: string;
  channelId: string;
  guildId: string | null;
  authorId: string;
  source: MessageSource;
  /** Discord message type (0 default, 19 reply, 20 chat-input command response). */
  type: number;
  content: string;
  embeds: APIEmbed[];
  components: APIMessageTopLevelComponent[];
  attachments: StoredAttachment[];
  flags: number;
  ephemeral: boolean;
  /** True while a deferred (type 5) response has not been edited yet. */
  loading: boolean;
  tts: boolean;
  /** The `allowed_mentions` sent with the payload that created (or last set) this message; undefined if none. */
  allowedMentions: JsonObject | undefined;
  nonce: string | number | null;
  messageReference: JsonObject | null;
  interactionId: string | null;
  webhookId: string | null;
  createdAt: number;
  editedAt: number | null;
  deleted: boolean;
  /** Every accepted PATCH body, in order. */
  edits: MessageEdit[];
}

export interface CallbackRecord {
  at: number;
  type: number;
  data: unknown;
  withResponse: boolean;
  /** HTTP status the emulator answered (204/200 when accepted). */
  status: number;
  accepted: boolean;
  error?: DiscordErrorBody;
}

export interface WebhookRequestRecord {
  at: number;
  method: string;
  /** `@original` or a message id, or `follow-up` for POST. */
  target: string;
  body: unknown;
  status: number;
  accepted: boolean;
  error?: DiscordErrorBody;
}

/** Everything the emulator knows about one dispatched interaction. */
export interface InteractionRecord {
  id: string;
  token: string;
  type: number;
  /** What was sent in INTERACTION_CREATE. */
  payload: JsonObject;
  dispatchedAt: number;
  /** The shards whose sessions INTERACTION_CREATE was dispatched to (0 for an unsharded session). */
  shards: number[];
  callbacks: CallbackRecord[];
  acknowledged: boolean;
  /** Callback type of the accepted initial response. */
  responseType: number | null;
  ephemeral: boolean;
  /** The @original message (created by type 4/5, or the component's message for 6/7). */
  original: StoredMessage | null;
  followUps: StoredMessage[];
  webhookRequests: WebhookRequestRecord[];
  autocompleteChoices: JsonObject[] | null;
  modal: JsonObject | null;
  lastActivityAt: number;
}

/** Returned by `sendCommand`, `sendAutocomplete`, `clickButton`, `selectMenu`, `submitModal`. */
export interface InteractionHandle {
  readonly id: string;
  readonly token: string;
  readonly payload: JsonObject;
  readonly record: InteractionRecord;
  /** Resolves with the first callback attempt (accepted or not); rejects after `timeoutMs`. */
  response(timeoutMs?: number): Promise<CallbackRecord>;
  /**
   * Waits for the first callback (for a deferred reply, type 5: until the bot edited @original or tried to),
   * then until nothing (callback, edit, follow-up) happened for `quietMs`. Resolves with the record.
   */
  settled(options?: { quietMs?: number; timeoutMs?: number }): Promise<InteractionRecord>;
  /** Current @original plus follow-ups (not deleted). */
  messages(): StoredMessage[];
}

export interface DirectMessageHandle {
  /** The MESSAGE_CREATE payload that was dispatched. */
  readonly payload: JsonObject;
  readonly message: StoredMessage;
  readonly channelId: string;
  /** False when no session subscribed to DIRECT_MESSAGES got the event (the bot will never see it). */
  readonly delivered: boolean;
  /** The shards whose sessions got MESSAGE_CREATE: DMs go to shard 0 only. */
  readonly shards: number[];
  /** Bot messages posted in the DM channel after this message. */
  replies(): StoredMessage[];
  waitForReply(timeoutMs?: number): Promise<StoredMessage>;
  /** Waits until the bot posted at least one reply and then stayed quiet for `quietMs`. */
  settled(options?: { quietMs?: number; timeoutMs?: number }): Promise<StoredMessage[]>;
}

export interface CommandRecord {
  id: string;
  guildId: string | null;
  /** The stored command object as GET returns it. */
  data: JsonObject;
}
