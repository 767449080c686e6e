import { type Clock, createClock } from './clock.ts';
import { Gateway, Intents, shardIdOf } from './gateway.ts';
import { defaultBotToken, snowflake } from './ids.ts';
import {
  type AutocompleteInvocation,
  type CommandInvocation,
  type ComponentInvocation,
  Interactions,
  type ModalInvocation,
  type SelectInvocation,
} from './interactions.ts';
import type { PermissionInput } from './permissions.ts';
import { type ForcedRateLimit, type RateLimitCounts, RateLimiter } from './ratelimit.ts';
import { Recorder } from './recorder.ts';
import type { RestContext } from './rest/context.ts';
import { createRestListener } from './rest/index.ts';
import { listen, type RunningServer } from './server.ts';
import { EmulatorState } from './state.ts';
import type {
  ChannelSpec,
  CommandRecord,
  DirectMessageHandle,
  EmulatorConfig,
  EmulatorOptions,
  GatewayLogEntry,
  GuildSpec,
  InteractionHandle,
  InteractionRecord,
  MemberSpec,
  OverwriteSpec,
  RecordedRequest,
  StoredMessage,
  UserRef,
  UserSpec,
  Violation,
} from './types.ts';
import type { JsonObject } from './validation/index.ts';

export type * from './types.ts';
export type {
  AutocompleteInvocation,
  CommandInvocation,
  ComponentInvocation,
  ModalInvocation,
  OptionInput,
  SelectInvocation,
} from './interactions.ts';
export type { ForcedRateLimit, RateLimitCounts } from './ratelimit.ts';
export { shardIdOf } from './gateway.ts';
export type { Clock } from './clock.ts';
export { Permissions } from './permissions.ts';
export { Intents } from './gateway.ts';
export { LIMITS } from './validation/index.ts';

export const DEFAULT_CONFIG: EmulatorConfig = {
  heartbeatIntervalMs: 41_250,
  identifyAnswer: 'ready',
  ackDeadlineMs: 3_000,
  interactionTokenTtlMs: 15 * 60_000,
  nonceWindowMs: 5 * 60_000,
  requireNoMentions: true,
  strictUrls: true,
  requireRegisteredCommands: false,
  privilegedIntents: 0,
  rateLimit: { limit: 50, windowMs: 1_000 },
  globalRateLimit: { limit: 50, windowMs: 1_000 },
  recommendedShards: null,
  maxConcurrency: 1,
  maxGuildsPerShard: 2_500,
  settleQuietMs: 250,
  responseTimeoutMs: 5_000,
};

export interface ResponseDelay {
  route: string | RegExp;
  method?: string;
  ms: number;
}

export interface DirectMessageInput {
  user: UserRef;
  content: string;
  /** Marks the author as a bot account (Discord sets `author.bot`). */
  bot?: boolean;
  embeds?: JsonObject[];
  /** Leave `channel_type` out of MESSAGE_CREATE, as some servers do: discord.js cannot build the channel. */
  omitChannelType?: boolean;
}

/** Public summary of an entity created through the control API. */
export interface GuildInfo {
  id: string;
  name: string;
  ownerId: string;
  everyoneRoleId: string;
  botRoleId: string;
  channels: Array<{ id: string; name: string | null; type: number }>;
  roles: Array<{ id: string; name: string }>;
}

/**
 * A Discord API emulator: REST (`apiUrl`) and gateway on one loopback port, plus a control API for tests.
 * Create it with {@link startEmulator}.
 */
export class Emulator {
  readonly clock: Clock;
  readonly token: string;
  readonly application: { id: string; name: string };
  readonly botUser: { id: string; username: string };
  private readonly cfg: EmulatorConfig;
  private readonly recorder: Recorder;
  private readonly state: EmulatorState;
  private readonly gateway: Gateway;
  private readonly interactionsManager: Interactions;
  private readonly rateLimiter: RateLimiter;
  private outageState: { status: number } | null = null;
  private slowRoutes: ResponseDelay[] = [];
  private server: RunningServer | null = null;

  /** @internal use {@link startEmulator}. */
  constructor(options: EmulatorOptions = {}) {
    const { token, applicationId, applicationName, botUser, now, guilds, users, debug, ...overrides } =
      options;
    this.cfg = {
      ...DEFAULT_CONFIG,
      ...overrides,
      rateLimit: { ...DEFAULT_CONFIG.rateLimit, ...overrides.rateLimit },
    };
    this.clock = createClock(now);
    const appId = applicationId ?? snowflake(this.clock.now());
    this.application = { id: appId, name: applicationName ?? 'Broadsheet' };
    this.botUser = { id: botUser?.id ?? appId, username: botUser?.username ?? 'Broadsheet' };
    this.token = token ?? defaultBotToken(appId);
    this.recorder = new Recorder(this.clock, debug ?? false);
    this.state = new EmulatorState(this.clock, this.application, this.botUser);
    const config = () => this.cfg;
    this.gateway = new Gateway({
      clock: this.clock,
      recorder: this.recorder,
      state: this.state,
      config,
      token: () => this.token,
      baseUrl: () => this.baseUrl,
    });
    this.interactionsManager = new Interactions({
      clock: this.clock,
      recorder: this.recorder,
      state: this.state,
      gateway: this.gateway,
      config,
      port: () => this.port,
    });
    this.rateLimiter = new RateLimiter(this.clock, config);
    for (const user of users ?? []) this.state.addUser(user);
    for (const guild of guilds ?? []) this.state.addGuild(guild);
  }

  /** @internal */
  async listen(): Promise<this> {
    const ctx: RestContext = {
      clock: this.clock,
      recorder: this.recorder,
      state: this.state,
      gateway: this.gateway,
      interactions: this.interactionsManager,
      config: () => this.cfg,
      port: () => this.port,
    };
    const rest = createRestListener({
      ...ctx,
      token: () => this.token,
      rateLimiter: this.rateLimiter,
      outage: () => this.outageState,
      responseDelay: (method, route) =>
        this.slowRoutes.find(
          (slow) =>
            (!slow.method || slow.method.toUpperCase() === method) &&
            (typeof slow.route === 'string' ? slow.route === route : slow.route.test(route)),
        )?.ms ?? 0,
    });
    this.server = await listen({
      request: rest,
      upgrade: (req, socket, head) => this.gateway.handleUpgrade(req, socket, head),
    });
    return this;
  }

  async close(): Promise<void> {
    await this.gateway.shutdown();
    await this.server?.close();
    this.server = null;
  }

  // -------------------------------------------------------------------------------------------------------
  // Addresses and configuration

  get port(): number {
    if (!this.server) throw new Error('Emulator is not listening');
    return this.server.port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Pass as `new Client({ rest: { api: emu.apiUrl } })`; discord.js appends `/v10/...`. */
  get apiUrl(): string {
    return `${this.baseUrl}/api`;
  }

  get gatewayUrl(): string {
    return this.gateway.gatewayUrl;
  }

  get config(): Readonly<EmulatorConfig> {
    return this.cfg;
  }

  /** Changes settings at runtime (e.g. a short `ackDeadlineMs` for one test). */
  configure(patch: Partial<EmulatorConfig>): void {
    Object.assign(this.cfg, patch);
  }

  // -------------------------------------------------------------------------------------------------------
  // Logs

  get requests(): readonly RecordedRequest[] {
    return this.recorder.requests;
  }

  get violations(): readonly Violation[] {
    return this.recorder.violations;
  }

  get gatewayLog(): readonly GatewayLogEntry[] {
    return this.recorder.gatewayLog;
  }

  /** Closed gateway sockets and their close codes: 1000/1001 when the bot closed cleanly, 1006 when it vanished. */
  get gatewayCloses(): readonly { connection: number; code: number; at: number }[] {
    return this.gateway.closes;
  }

  /** Returns the violations recorded so far and clears the list. */
  takeViolations(): Violation[] {
    return this.recorder.violations.splice(0);
  }

  clearViolations(): void {
    this.recorder.violations.length = 0;
  }

  get stats(): { identifies: number; resumes: number; readies: number; sessionStartsRemaining: number } {
    return {
      identifies: this.gateway.identifyCount,
      resumes: this.gateway.resumeCount,
      readies: this.gateway.readyCount,
      sessionStartsRemaining: this.gateway.sessionStartRemaining,
    };
  }

  // -------------------------------------------------------------------------------------------------------
  // World

  addUser(spec: UserSpec): { id: string; username: string } {
    const user = this.state.addUser(spec);
    return { id: user.id, username: user.username };
  }

  /** Adds a guild the bot is in. Before login it appears in READY; afterwards GUILD_CREATE is sent live. */
  addGuild(spec: GuildSpec): GuildInfo {
    const guild = this.state.addGuild(spec);
    this.gateway.dispatch('GUILD_CREATE', this.state.apiGuildCreate(guild), {
      guildId: guild.id,
      intent: Intents.Guilds,
    });
    return this.guildInfo(guild.id);
  }

  guildInfo(guildId: string): GuildInfo {
    const guild = this.state.requireGuild(guildId);
    const botRole = [...guild.roles.values()].find((r) => r.botId === this.botUser.id);
    return {
      id: guild.id,
      name: guild.name,
      ownerId: guild.ownerId,
      everyoneRoleId: guild.id,
      botRoleId: botRole?.id ?? '',
      channels: guild.channelIds
        .map((id) => this.state.channels.get(id))
        .flatMap((c) => (c && !c.deleted ? [{ id: c.id, name: c.name, type: c.type }] : [])),
      roles: [...guild.roles.values()].map((r) => ({ id: r.id, name: r.name })),
    };
  }

  addChannel(guildId: string, spec: ChannelSpec): { id: string } {
    const channel = this.state.addChannelRecord(this.state.requireGuild(guildId), spec);
    this.gateway.dispatch('CHANNEL_CREATE', this.state.apiChannel(channel), {
      guildId,
      intent: Intents.Guilds,
    });
    return { id: channel.id };
  }

  addMember(guildId: string, spec: MemberSpec): { userId: string } {
    const guild = this.state.requireGuild(guildId);
    const member = this.state.addMemberRecord(guild, spec);
    this.gateway.dispatch(
      'GUILD_MEMBER_ADD',
      { ...this.state.apiMember(member), guild_id: guild.id },
      { guildId: guild.id, intent: Intents.GuildMembers },
    );
    return { userId: member.userId };
  }

  /** Deletes a channel: later REST calls on it answer 404 / 10003 Unknown Channel. */
  deleteChannel(channelId: string): void {
    const channel = this.state.requireChannel(channelId);
    const payload = this.state.apiChannel(channel);
    channel.deleted = true;
    if (channel.guildId)
      this.gateway.dispatch('CHANNEL_DELETE', payload, { guildId: channel.guildId, intent: Intents.Guilds });
  }

  /** Sets (replaces) one permission overwrite on a channel and sends CHANNEL_UPDATE. */
  setChannelPermissions(channelId: string, overwrite: OverwriteSpec): void {
    const channel = this.state.requireChannel(channelId);
    if (!channel.guildId) throw new Error('Permission overwrites only exist on guild channels');
    this.state.setOverwrite(channel, overwrite);
    this.gateway.dispatch('CHANNEL_UPDATE', this.state.apiChannel(channel), {
      guildId: channel.guildId,
      intent: Intents.Guilds,
    });
  }

  /** Member overwrite for the bot, e.g. `{ deny: Permissions.SendMessages }` → posting answers 50013. */
  setBotChannelPermissions(
    channelId: string,
    bits: { allow?: PermissionInput; deny?: PermissionInput },
  ): void {
    this.setChannelPermissions(channelId, { id: this.botUser.id, type: 'member', ...bits });
  }

  /** The bot's effective permissions in a channel (as Discord would compute them). */
  botPermissionsIn(channelId: string): bigint {
    return this.state.permissionsIn(this.state.requireChannel(channelId), this.botUser.id);
  }

  setDmsClosed(userId: string, closed: boolean): void {
    this.state.ensureUser(userId).dmsClosed = closed;
  }

  /** The DM channel id between the bot and `userId` (created if needed). */
  dmChannelId(userId: string): string {
    this.state.ensureUser(userId);
    return this.state.ensureDmChannel(userId).id;
  }

  /** Stores a message (e.g. an older bot post) without dispatching anything. */
  seedMessage(channelId: string, body: JsonObject & { authorId?: string }): StoredMessage {
    const { authorId, ...rest } = body;
    return this.state.createMessage({
      channelId,
      authorId: authorId ?? this.botUser.id,
      source: 'seed',
      body: rest,
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // Messages and commands

  /** Every stored message (bot and simulated users) in creation order, including deleted/ephemeral ones. */
  get messages(): readonly StoredMessage[] {
    return this.state.messageLog;
  }

  messagesIn(channelId: string): StoredMessage[] {
    return this.state.messagesIn(channelId);
  }

  /** Bot-authored messages, optionally in one channel. */
  botMessages(channelId?: string): StoredMessage[] {
    return this.state.messageLog.filter(
      (m) =>
        m.authorId === this.botUser.id &&
        !m.deleted &&
        (channelId === undefined || m.channelId === channelId),
    );
  }

  /** The threads (forum posts included) under a channel, oldest first, with their name and tags. */
  threadsIn(parentId: string): { id: string; name: string; appliedTags: string[]; ownerId: string }[] {
    return [...this.state.channels.values()]
      .filter((channel) => channel.parentId === parentId && channel.thread && !channel.deleted)
      .map((channel) => ({
        id: channel.id,
        name: channel.name ?? '',
        appliedTags: channel.thread!.appliedTags,
        ownerId: channel.thread!.ownerId,
      }));
  }

  /** A forum's tags as created (with their generated ids). */
  forumTags(forumId: string): { id: string; name: string }[] {
    return this.state.requireChannel(forumId).availableTags.map(({ id, name }) => ({ id, name }));
  }

  getMessage(id: string): StoredMessage | undefined {
    return this.state.messages.get(id);
  }

  waitForMessage(
    predicate: (m: StoredMessage) => boolean,
    timeoutMs = this.cfg.responseTimeoutMs,
  ): Promise<StoredMessage> {
    return this.recorder.waitFor(
      () => this.state.messageLog.find(predicate),
      timeoutMs,
      'a matching message',
    );
  }

  /** Registered commands (as GET returns them): global, or for one guild. */
  commands(guildId?: string): JsonObject[] {
    return [...this.state.commandsFor(guildId ?? null).values()].map((c: CommandRecord) => c.data);
  }

  // -------------------------------------------------------------------------------------------------------
  // Gateway control

  /** Resolves once a session is identified, has received READY + GUILD_CREATEs, and is connected. */
  waitForReady(timeoutMs = 10_000): Promise<void> {
    return this.recorder
      .waitFor(() => this.gateway.isConnectedAndReady(), timeoutMs, 'a READY gateway session')
      .then(() => undefined);
  }

  /** Resolves once every shard `[0, count)` has a connected, ready session identified with that count. */
  waitForShards(count: number, timeoutMs = 10_000): Promise<void> {
    return this.recorder
      .waitFor(
        () => this.gateway.connectedShards(count).length === count,
        timeoutMs,
        `READY sessions for all ${count} shards`,
      )
      .then(() => undefined);
  }

  /** Every gateway session so far with its shard (`[id, count]`, null when unsharded) and whether it is connected. */
  get sessions(): { id: string; shard: [number, number] | null; connected: boolean; ready: boolean }[] {
    return this.gateway.sessionList();
  }

  /** The shard Discord sends a guild's events to (`(guild_id >> 22) % shardCount`); DMs (null) go to 0. */
  shardOf(guildId: string | null, shardCount: number): number {
    return shardIdOf(guildId, shardCount);
  }

  /** Resolves when a RESUME succeeded after `since` resumes (default: the count at call time). */
  waitForResumed(options: { since?: number; timeoutMs?: number } = {}): Promise<void> {
    const since = options.since ?? this.gateway.resumeCount;
    return this.recorder
      .waitFor(
        () => this.gateway.resumeCount > since && this.gateway.isConnectedAndReady(),
        options.timeoutMs ?? 10_000,
        'a RESUMED gateway session',
      )
      .then(() => undefined);
  }

  /**
   * Resolves with the first gateway log entry (from index `from`, default: entries logged after the call)
   * matching `predicate`.
   */
  waitForGateway(
    predicate: (entry: GatewayLogEntry) => boolean,
    options: { from?: number; timeoutMs?: number } = {},
  ): Promise<GatewayLogEntry> {
    const from = options.from ?? this.recorder.gatewayLog.length;
    return this.recorder.waitFor(
      () => this.recorder.gatewayLog.slice(from).find(predicate),
      options.timeoutMs ?? 10_000,
      'a matching gateway payload',
    );
  }

  /** Server-side close of the gateway socket; the session stays resumable. No code → abrupt drop (1006). */
  dropConnection(code?: number): void {
    this.gateway.dropConnection(code);
  }

  /** Closes with `code` (4004 auth failed, 4014 disallowed intents, ...); ends the session when Discord would. */
  closeWith(code: number, reason?: string): void {
    this.gateway.closeWith(code, reason);
  }

  /** Sends op 7 RECONNECT. */
  requestReconnect(): void {
    this.gateway.requestReconnect();
  }

  /** Sends op 9 INVALID_SESSION. */
  invalidateSession(resumable = false): void {
    this.gateway.invalidateSession(resumable);
  }

  // -------------------------------------------------------------------------------------------------------
  // REST control

  /** While on, every REST request answers `status` (503 by default, or 502). */
  outage(on: boolean, options: { status?: 502 | 503 } = {}): void {
    this.outageState = on ? { status: options.status ?? 503 } : null;
  }

  /** TCP connections the emulator accepted so far, REST and gateway together. */
  get connectionsAccepted(): number {
    return this.server?.connectionsAccepted() ?? 0;
  }

  /** 429s answered so far: past the global limit, past a route's bucket, and scripted ones. */
  get rateLimitCounts(): Readonly<RateLimitCounts> {
    return this.rateLimiter.counts;
  }

  /**
   * Holds back the answers of requests matching `route` (a template such as `/channels/:channel_id/messages`,
   * or a RegExp on it) by `ms`, after they took effect: a slow Discord, where a message exists before the
   * bot hears so. Call with no argument to clear.
   */
  delayResponses(delay?: ResponseDelay): void {
    this.slowRoutes = delay ? [delay] : [];
  }

  /** Scripts 429 answers for the next `count` requests matching `route`. */
  rateLimit(spec: ForcedRateLimit): void {
    this.rateLimiter.force(spec);
  }

  // -------------------------------------------------------------------------------------------------------
  // Interactions and DMs

  sendCommand(inv: CommandInvocation): InteractionHandle {
    return this.interactionsManager.sendCommand(inv);
  }

  sendAutocomplete(inv: AutocompleteInvocation): InteractionHandle {
    return this.interactionsManager.sendAutocomplete(inv);
  }

  clickButton(inv: ComponentInvocation): InteractionHandle {
    return this.interactionsManager.clickButton(inv);
  }

  selectMenu(inv: SelectInvocation): InteractionHandle {
    return this.interactionsManager.selectMenu(inv);
  }

  submitModal(inv: ModalInvocation): InteractionHandle {
    return this.interactionsManager.submitModal(inv);
  }

  get interactions(): InteractionRecord[] {
    return this.interactionsManager.all();
  }

  interaction(id: string): InteractionRecord | undefined {
    return this.interactionsManager.get(id)?.record;
  }

  /** A user DMs the bot: MESSAGE_CREATE with no `guild_id` and `channel_type: 1` (unless `omitChannelType`). */
  sendDirectMessage(input: DirectMessageInput): DirectMessageHandle {
    if (this.gateway.liveSessions().length === 0) {
      throw new Error('No gateway session: log the client in before sending DMs');
    }
    const user = this.state.ensureUser(input.user);
    if (input.bot !== undefined) user.bot = input.bot;
    const channel = this.state.ensureDmChannel(user.id);
    const message = this.state.createMessage({
      channelId: channel.id,
      authorId: user.id,
      source: 'user',
      body: { content: input.content, ...(input.embeds ? { embeds: input.embeds } : {}) },
    });
    const channelType = input.omitChannelType ? {} : { channel_type: 1 };
    const payload = this.state.apiMessage(message, this.port, channelType);
    const shards = this.gateway.dispatch('MESSAGE_CREATE', payload, {
      guildId: null,
      intent: Intents.DirectMessages,
    });
    const replies = () =>
      this.state
        .messagesIn(channel.id)
        .filter((m) => m.authorId === this.botUser.id && BigInt(m.id) > BigInt(message.id));
    const lastActivity = () => {
      const list = replies();
      return list.reduce((sum, m) => sum + (m.editedAt ?? m.createdAt), list.length);
    };
    return {
      payload,
      message,
      channelId: channel.id,
      delivered: shards.length > 0,
      shards,
      replies,
      waitForReply: (timeoutMs = this.cfg.responseTimeoutMs) =>
        this.recorder.waitFor(
          () => replies()[0],
          timeoutMs,
          `a bot reply in DM channel ${channel.id} (needs the DirectMessages intent)`,
        ),
      settled: async (options = {}) => {
        await this.recorder.waitQuiet(
          () => replies().length > 0,
          lastActivity,
          options.quietMs ?? this.cfg.settleQuietMs,
          options.timeoutMs ?? this.cfg.responseTimeoutMs,
          `bot replies in DM channel ${channel.id}`,
        );
        return replies();
      },
    };
  }
}

/** Starts an emulator on 127.0.0.1 with a random port. Remember `await emu.close()`. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return new Emulator(options).listen();
}
