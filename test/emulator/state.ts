import type { Clock } from './clock.ts';
import { snowflake } from './ids.ts';
import {
  computeChannelPermissions,
  computeGuildPermissions,
  DEFAULT_BOT_PERMISSIONS,
  DEFAULT_EVERYONE_PERMISSIONS,
  DM_PERMISSIONS,
  type OverwriteRecord,
  toBits,
} from './permissions.ts';
import type {
  ChannelSpec,
  CommandRecord,
  GuildSpec,
  MemberSpec,
  OverwriteSpec,
  RoleSpec,
  StoredAttachment,
  StoredMessage,
  UserRef,
  UserSpec,
} from './types.ts';
import type { JsonObject } from './validation/index.ts';

export interface UserRecord {
  id: string;
  username: string;
  globalName: string | null;
  bot: boolean;
  dmsClosed: boolean;
  locale: string;
}

export interface RoleRecord {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
  color: number;
  hoist: boolean;
  mentionable: boolean;
  managed: boolean;
  botId: string | null;
}

export interface ChannelRecord {
  id: string;
  type: number;
  name: string | null;
  guildId: string | null;
  parentId: string | null;
  topic: string | null;
  position: number;
  nsfw: boolean;
  overwrites: OverwriteRecord[];
  /** DM channels: the other user. */
  recipientId: string | null;
  deleted: boolean;
  lastMessageId: string | null;
  /** GUILD_FORUM: the tags its posts may apply. */
  availableTags: ForumTag[];
  /** Threads (types 10, 11, 12): who started it, its tags (forum posts), whether archived. */
  thread: ThreadRecord | null;
}

export interface ForumTag {
  id: string;
  name: string;
  moderated: boolean;
}

export interface ThreadRecord {
  ownerId: string;
  appliedTags: string[];
  archived: boolean;
  autoArchiveDuration: number;
  createdAt: number;
  messageCount: number;
}

export const FORUM_CHANNEL_TYPE = 15;
/** Announcement, public and private threads. */
export const THREAD_CHANNEL_TYPES = new Set([10, 11, 12]);

export interface MemberRecord {
  userId: string;
  roles: string[];
  nick: string | null;
  joinedAt: string;
}

export interface GuildRecord {
  id: string;
  name: string;
  ownerId: string;
  locale: string;
  roles: Map<string, RoleRecord>;
  channelIds: string[];
  members: Map<string, MemberRecord>;
  joinedAt: string;
}

/** Channel types that can hold messages. */
const TEXT_CHANNEL_TYPES = new Set([0, 1, 2, 3, 5, 10, 11, 12, 13]);

export function isTextChannelType(type: number): boolean {
  return TEXT_CHANNEL_TYPES.has(type);
}

export interface NewMessage {
  channelId: string;
  authorId: string;
  source: StoredMessage['source'];
  type?: number;
  body: JsonObject;
  attachments?: StoredAttachment[];
  interactionId?: string | null;
  webhookId?: string | null;
  loading?: boolean;
  /** A forum post's first message has the post's id. */
  id?: string;
}

/** The emulated world: users, guilds, channels, members, messages and registered commands. */
export class EmulatorState {
  readonly users = new Map<string, UserRecord>();
  readonly guilds = new Map<string, GuildRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  readonly messages = new Map<string, StoredMessage>();
  /** All messages in creation order. */
  readonly messageLog: StoredMessage[] = [];
  readonly globalCommands = new Map<string, CommandRecord>();
  readonly guildCommands = new Map<string, Map<string, CommandRecord>>();
  /** `channel:author:nonce` → message id and creation time, for `enforce_nonce`. */
  readonly nonces = new Map<string, { messageId: string; at: number }>();
  private readonly dmByUser = new Map<string, string>();
  readonly bot: UserRecord;

  constructor(
    private readonly clock: Clock,
    readonly application: { id: string; name: string },
    botUser: { id: string; username: string },
  ) {
    this.bot = {
      id: botUser.id,
      username: botUser.username,
      globalName: null,
      bot: true,
      dmsClosed: true,
      locale: 'en-US',
    };
    this.users.set(this.bot.id, this.bot);
  }

  private isoNow(): string {
    return new Date(this.clock.now()).toISOString();
  }

  // -------------------------------------------------------------------------------------------------------
  // Users, guilds, channels, members

  ensureUser(ref: UserRef): UserRecord {
    if (typeof ref === 'string') {
      const known = this.users.get(ref);
      if (known) return known;
      return this.ensureUser({ id: ref, username: `user${ref.slice(-6)}` });
    }
    const id = ref.id ?? snowflake(this.clock.now());
    const existing = this.users.get(id);
    if (existing) {
      if (ref.username) existing.username = ref.username;
      if (ref.globalName !== undefined) existing.globalName = ref.globalName;
      if (ref.bot !== undefined) existing.bot = ref.bot;
      if (ref.dmsClosed !== undefined) existing.dmsClosed = ref.dmsClosed;
      if (ref.locale !== undefined) existing.locale = ref.locale;
      return existing;
    }
    const user: UserRecord = {
      id,
      username: ref.username,
      globalName: ref.globalName ?? null,
      bot: ref.bot ?? false,
      dmsClosed: ref.dmsClosed ?? false,
      locale: ref.locale ?? 'en-US',
    };
    this.users.set(id, user);
    return user;
  }

  addUser(spec: UserSpec): UserRecord {
    return this.ensureUser(spec);
  }

  addGuild(spec: GuildSpec): GuildRecord {
    const id = spec.id ?? snowflake(this.clock.now());
    if (this.guilds.has(id)) throw new Error(`Guild ${id} already exists`);
    const firstMember = spec.members?.[0];
    const ownerId =
      spec.ownerId ??
      (firstMember ? this.ensureUser(firstMember.user).id : this.ensureUser({ username: 'owner' }).id);
    this.ensureUser(ownerId);
    const guild: GuildRecord = {
      id,
      name: spec.name,
      ownerId,
      locale: spec.locale ?? 'en-US',
      roles: new Map(),
      channelIds: [],
      members: new Map(),
      joinedAt: this.isoNow(),
    };
    this.guilds.set(id, guild);

    const roleSpecs = spec.roles ?? [];
    if (!roleSpecs.some((r) => r.id === id)) {
      this.addRole(guild, { id, name: '@everyone', permissions: DEFAULT_EVERYONE_PERMISSIONS, position: 0 });
    }
    roleSpecs.forEach((r, i) => this.addRole(guild, { position: r.id === id ? 0 : i + 1, ...r }));
    const botRole = this.addRole(guild, {
      name: this.bot.username,
      permissions: toBits(spec.botPermissions, DEFAULT_BOT_PERMISSIONS),
      position: guild.roles.size,
      managed: true,
    });
    botRole.botId = this.bot.id;

    this.addMemberRecord(guild, { user: this.bot.id, roles: [botRole.id, ...(spec.botRoles ?? [])] });
    if (!spec.members?.some((m) => (typeof m.user === 'string' ? m.user : m.user.id) === ownerId)) {
      this.addMemberRecord(guild, { user: ownerId });
    }
    for (const m of spec.members ?? []) this.addMemberRecord(guild, m);
    (spec.channels ?? []).forEach((c, i) => this.addChannelRecord(guild, { position: i, ...c }));
    return guild;
  }

  private addRole(guild: GuildRecord, spec: RoleSpec): RoleRecord {
    const role: RoleRecord = {
      id: spec.id ?? snowflake(this.clock.now()),
      name: spec.name,
      permissions: toBits(spec.permissions, 0n),
      position: spec.position ?? guild.roles.size,
      color: spec.color ?? 0,
      hoist: spec.hoist ?? false,
      mentionable: spec.mentionable ?? false,
      managed: spec.managed ?? false,
      botId: null,
    };
    guild.roles.set(role.id, role);
    return role;
  }

  addMemberRecord(guild: GuildRecord, spec: MemberSpec): MemberRecord {
    const user = this.ensureUser(spec.user);
    for (const roleId of spec.roles ?? []) {
      if (!guild.roles.has(roleId))
        throw new Error(`Member ${user.id}: unknown role ${roleId} in guild ${guild.id}`);
    }
    const existing = guild.members.get(user.id);
    if (existing) {
      if (spec.roles) existing.roles = [...new Set([...existing.roles, ...spec.roles])];
      if (spec.nick !== undefined) existing.nick = spec.nick;
      return existing;
    }
    const member: MemberRecord = {
      userId: user.id,
      roles: [...(spec.roles ?? [])],
      nick: spec.nick ?? null,
      joinedAt: this.isoNow(),
    };
    guild.members.set(user.id, member);
    return member;
  }

  addChannelRecord(guild: GuildRecord, spec: ChannelSpec): ChannelRecord {
    const channel: ChannelRecord = {
      id: spec.id ?? snowflake(this.clock.now()),
      type: spec.type ?? 0,
      name: spec.name,
      guildId: guild.id,
      parentId: spec.parentId ?? null,
      topic: spec.topic ?? null,
      position: spec.position ?? guild.channelIds.length,
      nsfw: spec.nsfw ?? false,
      overwrites: (spec.overwrites ?? []).map(toOverwrite),
      recipientId: null,
      deleted: false,
      lastMessageId: null,
      availableTags: (spec.availableTags ?? []).map((tag) => ({
        id: tag.id ?? snowflake(this.clock.now()),
        name: tag.name,
        moderated: tag.moderated ?? false,
      })),
      thread: null,
    };
    if (this.channels.has(channel.id)) throw new Error(`Channel ${channel.id} already exists`);
    this.channels.set(channel.id, channel);
    guild.channelIds.push(channel.id);
    return channel;
  }

  requireGuild(id: string): GuildRecord {
    const guild = this.guilds.get(id);
    if (!guild) throw new Error(`Unknown guild ${id}`);
    return guild;
  }

  requireChannel(id: string): ChannelRecord {
    const channel = this.channels.get(id);
    if (!channel) throw new Error(`Unknown channel ${id}`);
    return channel;
  }

  liveChannel(id: string): ChannelRecord | undefined {
    const channel = this.channels.get(id);
    return channel && !channel.deleted ? channel : undefined;
  }

  /** The DM channel between the bot and `userId`, created on first use (stable id per user). */
  ensureDmChannel(userId: string): ChannelRecord {
    const existingId = this.dmByUser.get(userId);
    if (existingId) {
      const existing = this.requireChannel(existingId);
      existing.deleted = false;
      return existing;
    }
    const channel: ChannelRecord = {
      id: snowflake(this.clock.now()),
      type: 1,
      name: null,
      guildId: null,
      parentId: null,
      topic: null,
      position: 0,
      nsfw: false,
      overwrites: [],
      recipientId: userId,
      deleted: false,
      lastMessageId: null,
      availableTags: [],
      thread: null,
    };
    this.channels.set(channel.id, channel);
    this.dmByUser.set(userId, channel.id);
    return channel;
  }

  /** A thread under `parent` (a forum post, or a thread started from a message with that message's id). */
  createThread(
    parent: ChannelRecord,
    init: {
      id?: string;
      name: string;
      type: number;
      ownerId: string;
      appliedTags?: string[];
      autoArchiveDuration?: number;
    },
  ): ChannelRecord {
    const guild = this.guildOf(parent);
    if (!guild) throw new Error(`Channel ${parent.id} is not in a guild`);
    const thread = this.addChannelRecord(guild, {
      ...(init.id ? { id: init.id } : {}),
      name: init.name,
      type: init.type,
      parentId: parent.id,
    });
    thread.thread = {
      ownerId: init.ownerId,
      appliedTags: init.appliedTags ?? [],
      archived: false,
      autoArchiveDuration: init.autoArchiveDuration ?? 4320,
      createdAt: this.clock.now(),
      messageCount: 0,
    };
    return thread;
  }

  guildOf(channel: ChannelRecord): GuildRecord | undefined {
    return channel.guildId ? this.guilds.get(channel.guildId) : undefined;
  }

  /** Effective permissions of `userId` in `channel` (DMs: Discord's fixed DM set). */
  permissionsIn(channel: ChannelRecord, userId: string): bigint {
    const guild = this.guildOf(channel);
    if (!guild) return DM_PERMISSIONS;
    const member = guild.members.get(userId);
    if (!member) return 0n;
    const parent = channel.parentId ? this.channels.get(channel.parentId) : undefined;
    const overwrites = channel.overwrites.length || !parent ? channel.overwrites : parent.overwrites;
    return computeChannelPermissions({ ...this.permissionBase(guild, member), overwrites });
  }

  guildPermissions(guild: GuildRecord, userId: string): bigint {
    const member = guild.members.get(userId);
    if (!member) return 0n;
    return computeGuildPermissions(this.permissionBase(guild, member));
  }

  private permissionBase(guild: GuildRecord, member: MemberRecord) {
    const roles = new Map<string, bigint>();
    for (const id of member.roles) {
      const role = guild.roles.get(id);
      if (role) roles.set(id, role.permissions);
    }
    return {
      guildId: guild.id,
      ownerId: guild.ownerId,
      userId: member.userId,
      everyone: guild.roles.get(guild.id)?.permissions ?? 0n,
      roles,
    };
  }

  setOverwrite(channel: ChannelRecord, spec: OverwriteSpec): void {
    const next = toOverwrite(spec);
    const index = channel.overwrites.findIndex((o) => o.id === next.id && o.type === next.type);
    if (index >= 0) channel.overwrites[index] = next;
    else channel.overwrites.push(next);
  }

  // -------------------------------------------------------------------------------------------------------
  // Messages

  createMessage(init: NewMessage): StoredMessage {
    const now = this.clock.now();
    const channel = this.requireChannel(init.channelId);
    const body = init.body;
    const flags = typeof body.flags === 'number' ? body.flags : 0;
    const message: StoredMessage = {
      id: init.id ?? snowflake(now),
      channelId: channel.id,
      guildId: channel.guildId,
      authorId: init.authorId,
      source: init.source,
      type: init.type ?? (body.message_reference ? 19 : 0),
      content: typeof body.content === 'string' ? body.content : '',
      embeds: Array.isArray(body.embeds) ? (body.embeds as StoredMessage['embeds']) : [],
      components: Array.isArray(body.components) ? (body.components as StoredMessage['components']) : [],
      attachments: init.attachments ?? [],
      flags: init.loading ? flags | (1 << 7) : flags,
      ephemeral: (flags & (1 << 6)) !== 0,
      loading: init.loading ?? false,
      tts: body.tts === true,
      allowedMentions: isObject(body.allowed_mentions) ? body.allowed_mentions : undefined,
      nonce: typeof body.nonce === 'string' || typeof body.nonce === 'number' ? body.nonce : null,
      messageReference: isObject(body.message_reference) ? body.message_reference : null,
      interactionId: init.interactionId ?? null,
      webhookId: init.webhookId ?? null,
      createdAt: now,
      editedAt: null,
      deleted: false,
      edits: [],
    };
    this.messages.set(message.id, message);
    this.messageLog.push(message);
    channel.lastMessageId = message.id;
    if (channel.thread) channel.thread.messageCount++;
    return message;
  }

  /** Applies a PATCH body (present fields replace, `null` clears) and records the edit. */
  editMessage(message: StoredMessage, body: JsonObject, attachments?: StoredAttachment[]): void {
    const now = this.clock.now();
    if ('content' in body) message.content = typeof body.content === 'string' ? body.content : '';
    if ('embeds' in body)
      message.embeds = Array.isArray(body.embeds) ? (body.embeds as StoredMessage['embeds']) : [];
    if ('components' in body) {
      message.components = Array.isArray(body.components)
        ? (body.components as StoredMessage['components'])
        : [];
    }
    if ('allowed_mentions' in body && isObject(body.allowed_mentions))
      message.allowedMentions = body.allowed_mentions;
    if (typeof body.flags === 'number') {
      // Only SUPPRESS_EMBEDS / IS_COMPONENTS_V2 can change on edit; ephemeral and loading are kept.
      const keep = message.flags & ((1 << 6) | (1 << 7));
      message.flags = (body.flags & ((1 << 2) | (1 << 15))) | keep;
    }
    if (attachments) message.attachments = attachments;
    else if (Array.isArray(body.attachments)) {
      const keepIds = new Set(body.attachments.map((a) => (isObject(a) ? String(a.id) : '')));
      message.attachments = message.attachments.filter((a) => keepIds.has(a.id));
    }
    if (message.loading) {
      message.loading = false;
      message.flags &= ~(1 << 7);
    }
    message.editedAt = now;
    message.edits.push({ at: now, body });
  }

  messagesIn(channelId: string): StoredMessage[] {
    return this.messageLog.filter((m) => m.channelId === channelId && !m.deleted);
  }

  // -------------------------------------------------------------------------------------------------------
  // Commands

  commandsFor(guildId: string | null): Map<string, CommandRecord> {
    if (guildId === null) return this.globalCommands;
    let map = this.guildCommands.get(guildId);
    if (!map) {
      map = new Map();
      this.guildCommands.set(guildId, map);
    }
    return map;
  }

  /** Bulk overwrite: commands keep their id when name and type match an existing one (like Discord). */
  overwriteCommands(guildId: string | null, bodies: JsonObject[]): CommandRecord[] {
    const map = this.commandsFor(guildId);
    const previous = [...map.values()];
    map.clear();
    return bodies.map((body) => {
      const type = typeof body.type === 'number' ? body.type : 1;
      const old = previous.find((c) => c.data.name === body.name && c.data.type === type);
      const record = this.buildCommand(guildId, body, old?.id);
      map.set(record.id, record);
      return record;
    });
  }

  upsertCommand(guildId: string | null, body: JsonObject): { record: CommandRecord; created: boolean } {
    const map = this.commandsFor(guildId);
    const type = typeof body.type === 'number' ? body.type : 1;
    const old = [...map.values()].find((c) => c.data.name === body.name && c.data.type === type);
    const record = this.buildCommand(guildId, body, old?.id);
    map.set(record.id, record);
    return { record, created: !old };
  }

  private buildCommand(guildId: string | null, body: JsonObject, id?: string): CommandRecord {
    const commandId = id ?? snowflake(this.clock.now());
    const type = typeof body.type === 'number' ? body.type : 1;
    const data: JsonObject = {
      id: commandId,
      application_id: this.application.id,
      version: snowflake(this.clock.now()),
      default_member_permissions:
        typeof body.default_member_permissions === 'string' ? body.default_member_permissions : null,
      type,
      name: body.name,
      name_localizations: body.name_localizations ?? null,
      description: typeof body.description === 'string' ? body.description : '',
      description_localizations: body.description_localizations ?? null,
      dm_permission: guildId === null ? body.dm_permission !== false : undefined,
      contexts: Array.isArray(body.contexts) ? body.contexts : null,
      integration_types: Array.isArray(body.integration_types) ? body.integration_types : [0],
      nsfw: body.nsfw === true,
    };
    if (guildId !== null) data.guild_id = guildId;
    if (Array.isArray(body.options) && body.options.length > 0) data.options = stripUndefined(body.options);
    return { id: commandId, guildId, data: stripUndefined(data) as JsonObject };
  }

  /** Guild command first, then global (the client shows both; guild wins for our purposes). */
  findCommand(name: string, type: number, guildId: string | null): CommandRecord | undefined {
    const match = (c: CommandRecord) => c.data.name === name && c.data.type === type;
    if (guildId) {
      const found = [...(this.guildCommands.get(guildId)?.values() ?? [])].find(match);
      if (found) return found;
    }
    return [...this.globalCommands.values()].find(match);
  }

  // -------------------------------------------------------------------------------------------------------
  // API object builders

  apiUser(user: UserRecord): JsonObject {
    return {
      id: user.id,
      username: user.username,
      discriminator: '0',
      global_name: user.globalName,
      avatar: null,
      ...(user.bot ? { bot: true } : {}),
      public_flags: 0,
      flags: 0,
      banner: null,
      accent_color: null,
      avatar_decoration_data: null,
      collectibles: null,
      primary_guild: null,
    };
  }

  apiCurrentUser(): JsonObject {
    return {
      ...this.apiUser(this.bot),
      verified: true,
      mfa_enabled: false,
      email: null,
      locale: 'en-US',
      premium_type: 0,
    };
  }

  apiRole(role: RoleRecord): JsonObject {
    return {
      id: role.id,
      name: role.name,
      color: role.color,
      colors: { primary_color: role.color, secondary_color: null, tertiary_color: null },
      hoist: role.hoist,
      icon: null,
      unicode_emoji: null,
      position: role.position,
      permissions: role.permissions.toString(),
      managed: role.managed,
      mentionable: role.mentionable,
      flags: 0,
      ...(role.botId ? { tags: { bot_id: role.botId } } : {}),
    };
  }

  apiMember(member: MemberRecord): JsonObject {
    const user = this.users.get(member.userId);
    return {
      user: user ? this.apiUser(user) : { id: member.userId },
      nick: member.nick,
      avatar: null,
      banner: null,
      roles: [...member.roles],
      joined_at: member.joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
    };
  }

  apiChannel(channel: ChannelRecord, { withGuildId = true } = {}): JsonObject {
    if (channel.type === 1) {
      const recipient = channel.recipientId ? this.users.get(channel.recipientId) : undefined;
      return {
        id: channel.id,
        type: 1,
        last_message_id: channel.lastMessageId,
        flags: 0,
        recipients: recipient ? [this.apiUser(recipient)] : [],
      };
    }
    const base: JsonObject = {
      id: channel.id,
      type: channel.type,
      ...(withGuildId && channel.guildId ? { guild_id: channel.guildId } : {}),
      name: channel.name,
      position: channel.position,
      permission_overwrites: channel.overwrites.map((o) => ({
        id: o.id,
        type: o.type,
        allow: o.allow.toString(),
        deny: o.deny.toString(),
      })),
      parent_id: channel.parentId,
      nsfw: channel.nsfw,
      flags: 0,
    };
    if (channel.type === 4) return base;
    if (channel.type === FORUM_CHANNEL_TYPE) {
      return {
        ...base,
        topic: channel.topic,
        last_message_id: channel.lastMessageId,
        rate_limit_per_user: 0,
        available_tags: channel.availableTags.map((tag) => ({
          id: tag.id,
          name: tag.name,
          moderated: tag.moderated,
          emoji_id: null,
          emoji_name: null,
        })),
        default_reaction_emoji: null,
        default_thread_rate_limit_per_user: 0,
        default_sort_order: null,
        default_forum_layout: 0,
      };
    }
    if (channel.thread) {
      const thread = channel.thread;
      return {
        ...base,
        last_message_id: channel.lastMessageId,
        rate_limit_per_user: 0,
        owner_id: thread.ownerId,
        message_count: thread.messageCount,
        member_count: 1,
        total_message_sent: thread.messageCount,
        applied_tags: thread.appliedTags,
        thread_metadata: {
          archived: thread.archived,
          auto_archive_duration: thread.autoArchiveDuration,
          archive_timestamp: new Date(thread.createdAt).toISOString(),
          locked: false,
          create_timestamp: new Date(thread.createdAt).toISOString(),
        },
      };
    }
    if (channel.type === 2 || channel.type === 13) {
      return {
        ...base,
        bitrate: 64000,
        user_limit: 0,
        rtc_region: null,
        last_message_id: channel.lastMessageId,
        rate_limit_per_user: 0,
      };
    }
    return { ...base, topic: channel.topic, last_message_id: channel.lastMessageId, rate_limit_per_user: 0 };
  }

  apiGuild(guild: GuildRecord): JsonObject {
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      icon_hash: null,
      splash: null,
      discovery_splash: null,
      owner_id: guild.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      widget_enabled: false,
      widget_channel_id: null,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [...guild.roles.values()].map((r) => this.apiRole(r)),
      emojis: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      max_presences: null,
      max_members: 500000,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: guild.locale,
      public_updates_channel_id: null,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      nsfw_level: 0,
      stickers: [],
      premium_progress_bar_enabled: false,
      safety_alerts_channel_id: null,
      incidents_data: null,
    };
  }

  /** The GUILD_CREATE payload: the guild plus channels, members, and the other lists discord.js walks. */
  apiGuildCreate(guild: GuildRecord): JsonObject {
    const channels = guild.channelIds
      .map((id) => this.channels.get(id))
      .filter((c): c is ChannelRecord => c !== undefined && !c.deleted);
    return {
      ...this.apiGuild(guild),
      joined_at: guild.joinedAt,
      large: false,
      unavailable: false,
      member_count: guild.members.size,
      voice_states: [],
      members: [...guild.members.values()].map((m) => this.apiMember(m)),
      channels: channels.filter((c) => !c.thread).map((c) => this.apiChannel(c, { withGuildId: false })),
      threads: channels.filter((c) => c.thread && !c.thread.archived).map((c) => this.apiChannel(c)),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  apiAttachment(a: StoredAttachment, port: number): JsonObject {
    const url = `http://127.0.0.1:${port}/attachments/${a.id}/${encodeURIComponent(a.filename)}`;
    return {
      id: a.id,
      filename: a.filename,
      size: a.size,
      url,
      proxy_url: url,
      content_type: a.contentType,
      ...(a.description ? { description: a.description } : {}),
    };
  }

  apiMessage(message: StoredMessage, port: number, extra: JsonObject = {}): JsonObject {
    const author = this.users.get(message.authorId);
    const out: JsonObject = {
      id: message.id,
      type: message.type,
      content: message.content,
      channel_id: message.channelId,
      author: author ? this.apiUser(author) : { id: message.authorId },
      attachments: message.attachments.map((a) => this.apiAttachment(a, port)),
      embeds: message.embeds,
      mentions: [],
      mention_roles: [],
      pinned: false,
      mention_everyone: false,
      tts: message.tts,
      timestamp: new Date(message.createdAt).toISOString(),
      edited_timestamp: message.editedAt === null ? null : new Date(message.editedAt).toISOString(),
      flags: message.flags,
      components: message.components,
      ...extra,
    };
    if (message.nonce !== null) out.nonce = message.nonce;
    // A message a thread was started from carries that thread (it has the message's id).
    const thread = this.channels.get(message.id);
    if (thread?.thread && thread.id !== message.channelId && !thread.deleted)
      out.thread = this.apiChannel(thread);
    if (message.webhookId) {
      out.webhook_id = message.webhookId;
      out.application_id = this.application.id;
    }
    if (message.messageReference) {
      out.message_reference = {
        type: 0,
        channel_id: message.channelId,
        ...(message.guildId ? { guild_id: message.guildId } : {}),
        message_id: message.messageReference.message_id,
      };
    }
    return out;
  }
}

function toOverwrite(spec: OverwriteSpec): OverwriteRecord {
  return {
    id: spec.id,
    type: spec.type === 'member' ? 1 : 0,
    allow: toBits(spec.allow, 0n),
    deny: toBits(spec.deny, 0n),
  };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON round trip drops `undefined` the way the wire would. */
function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
