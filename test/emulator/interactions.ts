import type { Clock } from './clock.ts';
import type { Gateway } from './gateway.ts';
import { interactionToken, snowflake } from './ids.ts';
import { type PermissionInput, toBits } from './permissions.ts';
import type { Recorder } from './recorder.ts';
import type { ChannelRecord, EmulatorState, GuildRecord, UserRecord } from './state.ts';
import type {
  CallbackRecord,
  EmulatorConfig,
  InteractionHandle,
  InteractionRecord,
  StoredMessage,
  UserRef,
} from './types.ts';
import {
  collectComponents,
  InteractionType,
  isRecord,
  type JsonObject,
  OptionType,
} from './validation/index.ts';

export type OptionValue = string | number | boolean;
/** Either a plain value (type taken from the registered command, or inferred) or an explicit typed value. */
export type OptionInput = OptionValue | { type: number; value: OptionValue };

interface InvocationBase {
  user: UserRef;
  /** Guild channel, or omitted for the bot's DM with `user`. */
  channelId?: string;
  /** Optional; checked against the channel's guild. */
  guildId?: string;
  /** Override of the member's computed channel permissions (`member.permissions`). */
  memberPermissions?: PermissionInput;
  locale?: string;
  /** Leave `channel_id` and `channel` out of the payload, as some servers do (discord.js: channelId null). */
  omitChannel?: boolean;
}

export interface CommandInvocation extends InvocationBase {
  name: string;
  /** Values by option name, or raw API option objects (passed through untouched). */
  options?: Record<string, OptionInput> | JsonObject[];
  subcommand?: string;
  subcommandGroup?: string;
  /** Application command type: 1 chat input (default), 2 user, 3 message. */
  type?: number;
  /** Target user/message id for context-menu commands. */
  targetId?: string;
}

export interface AutocompleteInvocation extends CommandInvocation {
  /** Name of the option being typed; its value is sent as the partial string. */
  focused: string;
}

export interface ComponentInvocation {
  customId: string;
  messageId: string;
  user: UserRef;
  memberPermissions?: PermissionInput;
  locale?: string;
}

export interface SelectInvocation extends ComponentInvocation {
  values: string[];
}

export interface ModalInvocation {
  /** The interaction that answered with the modal (callback type 9). */
  interaction: InteractionHandle | string;
  /** Text input values by custom_id. */
  fields: Record<string, string>;
  user?: UserRef;
}

/** Internal bookkeeping next to the public record. */
interface Entry {
  record: InteractionRecord;
  userId: string;
  channelId: string;
  /** Component interactions: the message holding the component. */
  sourceMessageId: string | null;
  /** Autocomplete: option type of the focused option. */
  focusedType: number;
  commandType: number;
}

export interface InteractionDeps {
  clock: Clock;
  recorder: Recorder;
  state: EmulatorState;
  gateway: Gateway;
  config: () => EmulatorConfig;
  port: () => number;
}

const CONTEXT_GUILD = 0;
const CONTEXT_BOT_DM = 1;

/** Builds and dispatches INTERACTION_CREATE payloads and keeps one record per interaction. */
export class Interactions {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly deps: InteractionDeps) {}

  get(id: string): Entry | undefined {
    return this.entries.get(id);
  }

  byToken(token: string): Entry | undefined {
    for (const entry of this.entries.values()) if (entry.record.token === token) return entry;
    return undefined;
  }

  all(): InteractionRecord[] {
    return [...this.entries.values()].map((e) => e.record);
  }

  touch(entry: Entry): void {
    entry.record.lastActivityAt = this.deps.clock.now();
    this.deps.recorder.changed();
  }

  // -------------------------------------------------------------------------------------------------------
  // Public dispatchers

  sendCommand(inv: CommandInvocation): InteractionHandle {
    const type = inv.type ?? 1;
    const { base, channel, guild, user } = this.base(InteractionType.ApplicationCommand, inv);
    const command = this.deps.state.findCommand(inv.name, type, guild?.id ?? null);
    this.checkRegistered(command !== undefined, inv.name);
    const data: JsonObject = { id: command?.id ?? snowflake(this.deps.clock.now()), name: inv.name, type };
    if (command?.guildId) data.guild_id = command.guildId;
    if (type === 1) {
      const built = this.buildOptions(inv, command?.data, guild, channel, user, null);
      if (built.options.length) data.options = built.options;
      if (built.resolved) data.resolved = built.resolved;
    } else {
      if (!inv.targetId) throw new Error(`Context menu command ${inv.name} needs targetId`);
      data.target_id = inv.targetId;
      data.resolved = this.resolveTarget(type, inv.targetId, guild, channel);
    }
    return this.dispatch(
      { ...base, data },
      { userId: user.id, channelId: channel.id, sourceMessageId: null, focusedType: 0, commandType: type },
    );
  }

  sendAutocomplete(inv: AutocompleteInvocation): InteractionHandle {
    const { base, channel, guild, user } = this.base(InteractionType.ApplicationCommandAutocomplete, inv);
    const command = this.deps.state.findCommand(inv.name, 1, guild?.id ?? null);
    this.checkRegistered(command !== undefined, inv.name);
    const data: JsonObject = { id: command?.id ?? snowflake(this.deps.clock.now()), name: inv.name, type: 1 };
    if (command?.guildId) data.guild_id = command.guildId;
    const built = this.buildOptions(inv, command?.data, guild, channel, user, inv.focused);
    if (built.options.length) data.options = built.options;
    return this.dispatch(
      { ...base, data },
      {
        userId: user.id,
        channelId: channel.id,
        sourceMessageId: null,
        focusedType: built.focusedType,
        commandType: 1,
      },
    );
  }

  clickButton(inv: ComponentInvocation): InteractionHandle {
    return this.component(inv, 2, undefined);
  }

  selectMenu(inv: SelectInvocation): InteractionHandle {
    return this.component(inv, undefined, inv.values);
  }

  submitModal(inv: ModalInvocation): InteractionHandle {
    const sourceId = typeof inv.interaction === 'string' ? inv.interaction : inv.interaction.id;
    const source = this.entries.get(sourceId);
    if (!source) throw new Error(`submitModal: unknown interaction ${sourceId}`);
    const modal = source.record.modal;
    if (!modal)
      throw new Error(`submitModal: interaction ${sourceId} did not answer with a modal (callback type 9)`);
    const channel = this.deps.state.requireChannel(source.channelId);
    const userRef = inv.user ?? source.userId;
    const { base, user } = this.base(InteractionType.ModalSubmit, { user: userRef, channelId: channel.id });
    const fields = { ...inv.fields };
    const rows = Array.isArray(modal.components) ? modal.components : [];
    const components = rows.filter(isRecord).flatMap((row): JsonObject[] => {
      if (row.type === 1 && Array.isArray(row.components) && isRecord(row.components[0])) {
        const input = row.components[0];
        const id = String(input.custom_id);
        const value = fields[id] ?? (typeof input.value === 'string' ? input.value : '');
        delete fields[id];
        return [{ type: 1, components: [{ type: 4, id: input.id ?? 1, custom_id: id, value }] }];
      }
      if (row.type === 18 && isRecord(row.component)) {
        const input = row.component;
        const id = String(input.custom_id);
        const value = fields[id] ?? (typeof input.value === 'string' ? input.value : '');
        delete fields[id];
        return [
          { type: 18, id: row.id ?? 1, component: { type: 4, id: input.id ?? 2, custom_id: id, value } },
        ];
      }
      return [];
    });
    const unknown = Object.keys(fields);
    if (unknown.length) throw new Error(`submitModal: the modal has no text inputs ${unknown.join(', ')}`);
    const payload: JsonObject = { ...base, data: { custom_id: modal.custom_id, components } };
    if (source.sourceMessageId) {
      const msg = this.deps.state.messages.get(source.sourceMessageId);
      if (msg) payload.message = this.deps.state.apiMessage(msg, this.deps.port());
    }
    return this.dispatch(payload, {
      userId: user.id,
      channelId: channel.id,
      sourceMessageId: source.sourceMessageId,
      focusedType: 0,
      commandType: 0,
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // Payload construction

  private checkRegistered(found: boolean, name: string): void {
    if (!found && this.deps.config().requireRegisteredCommands) {
      this.deps.recorder.violation({
        kind: 'policy',
        reason: `interaction for command "${name}" that the bot never registered (requireRegisteredCommands)`,
      });
    }
  }

  private base(
    type: number,
    inv: InvocationBase,
  ): { base: JsonObject; channel: ChannelRecord; guild: GuildRecord | undefined; user: UserRecord } {
    const { state } = this.deps;
    const user = state.ensureUser(inv.user);
    const channel = inv.channelId ? state.liveChannel(inv.channelId) : state.ensureDmChannel(user.id);
    if (!channel) throw new Error(`Unknown or deleted channel ${String(inv.channelId)}`);
    const guild = state.guildOf(channel);
    if (inv.guildId && inv.guildId !== guild?.id) {
      throw new Error(`Channel ${channel.id} is not in guild ${inv.guildId}`);
    }
    if (!guild && channel.recipientId !== user.id) {
      throw new Error(`DM channel ${channel.id} belongs to another user`);
    }
    const id = snowflake(this.deps.clock.now());
    const base: JsonObject = {
      id,
      application_id: state.application.id,
      type,
      token: interactionToken(id),
      version: 1,
      locale: inv.locale ?? user.locale,
      entitlements: [],
      attachment_size_limit: 10 * 1024 * 1024,
      channel_id: channel.id,
    };
    if (guild) {
      if (!guild.members.has(user.id)) state.addMemberRecord(guild, { user: user.id });
      const member = guild.members.get(user.id);
      const perms =
        inv.memberPermissions !== undefined
          ? toBits(inv.memberPermissions)
          : state.permissionsIn(channel, user.id);
      base.guild_id = guild.id;
      base.guild = { id: guild.id, locale: guild.locale, features: [] };
      base.guild_locale = guild.locale;
      base.member = { ...(member ? state.apiMember(member) : {}), permissions: perms.toString() };
      base.channel = { ...state.apiChannel(channel), permissions: perms.toString() };
      base.app_permissions = state.permissionsIn(channel, state.bot.id).toString();
      base.context = CONTEXT_GUILD;
      base.authorizing_integration_owners = { '0': guild.id };
    } else {
      base.user = state.apiUser(user);
      base.channel = state.apiChannel(channel);
      base.app_permissions = state.permissionsIn(channel, state.bot.id).toString();
      base.context = CONTEXT_BOT_DM;
      base.authorizing_integration_owners = { '0': '0' };
    }
    if (inv.omitChannel) {
      delete base.channel_id;
      delete base.channel;
    }
    return { base, channel, guild, user };
  }

  private component(
    inv: ComponentInvocation,
    forcedType: number | undefined,
    values: string[] | undefined,
  ): InteractionHandle {
    const { state } = this.deps;
    const message = state.messages.get(inv.messageId);
    if (!message || message.deleted) throw new Error(`Unknown message ${inv.messageId}`);
    if (message.authorId !== state.bot.id)
      throw new Error(`Message ${inv.messageId} was not sent by the bot`);
    const component = collectComponents(message.components).find((c) => c.custom_id === inv.customId);
    if (!component)
      throw new Error(`Message ${inv.messageId} has no component with custom_id "${inv.customId}"`);
    if (component.disabled === true)
      throw new Error(`Component "${inv.customId}" is disabled; users cannot use it`);
    const componentType = typeof component.type === 'number' ? component.type : 0;
    if (forcedType !== undefined && componentType !== forcedType) {
      throw new Error(`Component "${inv.customId}" is type ${componentType}, not a button`);
    }
    if (forcedType === undefined && (componentType < 3 || componentType > 8 || componentType === 4)) {
      throw new Error(`Component "${inv.customId}" is type ${componentType}, not a select menu`);
    }
    if (forcedType === 2 && component.style === 5) throw new Error(`Link buttons do not send interactions`);
    const { base, channel, guild } = this.base(InteractionType.MessageComponent, {
      user: inv.user,
      channelId: message.channelId,
      memberPermissions: inv.memberPermissions,
      locale: inv.locale,
    });
    const data: JsonObject = { custom_id: inv.customId, component_type: componentType };
    if (values !== undefined) {
      const min = typeof component.min_values === 'number' ? component.min_values : 1;
      const max = typeof component.max_values === 'number' ? component.max_values : 1;
      if (values.length < min || values.length > max) {
        throw new Error(`Select "${inv.customId}" takes ${min}-${max} values, got ${values.length}`);
      }
      if (componentType === 3) {
        const allowed = new Set(
          (Array.isArray(component.options) ? component.options : [])
            .filter(isRecord)
            .map((o) => String(o.value)),
        );
        const bad = values.filter((v) => !allowed.has(v));
        if (bad.length) throw new Error(`Select "${inv.customId}" has no option(s) ${bad.join(', ')}`);
      } else {
        data.resolved = this.resolveSelectValues(componentType, values, guild, channel);
      }
      data.values = values;
    }
    const payload: JsonObject = { ...base, data, message: state.apiMessage(message, this.deps.port()) };
    const user = state.ensureUser(inv.user);
    return this.dispatch(payload, {
      userId: user.id,
      channelId: channel.id,
      sourceMessageId: message.id,
      focusedType: 0,
      commandType: 0,
    });
  }

  private buildOptions(
    inv: CommandInvocation,
    command: JsonObject | undefined,
    guild: GuildRecord | undefined,
    channel: ChannelRecord,
    user: UserRecord,
    focused: string | null,
  ): { options: JsonObject[]; resolved: JsonObject | undefined; focusedType: number } {
    const input = inv.options ?? {};
    if (Array.isArray(input)) return { options: input, resolved: undefined, focusedType: OptionType.String };

    let defs: JsonObject[] | undefined = command ? asOptionList(command.options) : undefined;
    const wrap: Array<{ type: number; name: string }> = [];
    const descend = (name: string, type: number) => {
      if (defs) {
        const def = defs.find((d) => d.name === name && d.type === type);
        if (!def)
          throw new Error(`/${inv.name} has no ${type === 2 ? 'subcommand group' : 'subcommand'} "${name}"`);
        defs = asOptionList(def.options);
      }
      wrap.push({ type, name });
    };
    if (inv.subcommandGroup) descend(inv.subcommandGroup, OptionType.SubcommandGroup);
    if (inv.subcommand) descend(inv.subcommand, OptionType.Subcommand);
    if (
      defs &&
      !inv.subcommand &&
      defs.some((d) => d.type === OptionType.Subcommand || d.type === OptionType.SubcommandGroup)
    ) {
      throw new Error(`/${inv.name} requires a subcommand`);
    }

    const resolved: Record<string, JsonObject> = {};
    const addResolved = (kind: string, id: string, value: JsonObject) => {
      resolved[kind] ??= {};
      (resolved[kind] as JsonObject)[id] = value;
    };
    let focusedType: number = OptionType.String;
    const options: JsonObject[] = [];
    for (const [name, raw] of Object.entries(input)) {
      const explicit = typeof raw === 'object' && raw !== null ? raw : undefined;
      const value: OptionValue = explicit ? explicit.value : (raw as OptionValue);
      const def = defs?.find((d) => d.name === name);
      if (defs && !def)
        throw new Error(`/${[inv.name, ...wrap.map((w) => w.name)].join(' ')} has no option "${name}"`);
      const type = explicit?.type ?? (typeof def?.type === 'number' ? def.type : inferType(value));
      const isFocused = focused === name;
      if (isFocused) {
        focusedType = type;
        options.push({ name, type, value: String(value), focused: true });
        continue;
      }
      if (def && Array.isArray(def.choices) && def.choices.length > 0 && focused === null) {
        if (!def.choices.some((c) => isRecord(c) && c.value === value)) {
          throw new Error(
            `Option "${name}" only accepts its choices; ${JSON.stringify(value)} is not one of them`,
          );
        }
      }
      checkValueType(name, type, value);
      options.push({ name, type, value });
      const id = String(value);
      if (type === OptionType.User || type === OptionType.Mentionable) {
        const target = this.deps.state.users.get(id);
        const role = guild?.roles.get(id);
        if (target) {
          addResolved('users', id, this.deps.state.apiUser(target));
          const member = guild?.members.get(id);
          if (member) {
            const { user: _user, ...rest } = this.deps.state.apiMember(member);
            addResolved('members', id, {
              ...rest,
              permissions: this.deps.state.permissionsIn(channel, id).toString(),
            });
          }
        } else if (role && type === OptionType.Mentionable) {
          addResolved('roles', id, this.deps.state.apiRole(role));
        } else {
          throw new Error(`Option "${name}": unknown user ${id}`);
        }
      } else if (type === OptionType.Role) {
        const role = guild?.roles.get(id);
        if (!role) throw new Error(`Option "${name}": unknown role ${id}`);
        addResolved('roles', id, this.deps.state.apiRole(role));
      } else if (type === OptionType.Channel) {
        const target = this.deps.state.liveChannel(id);
        if (!target) throw new Error(`Option "${name}": unknown channel ${id}`);
        addResolved('channels', id, this.resolvedChannel(target, user.id));
      }
    }
    if (defs && focused === null) {
      const missing = defs
        .filter((d) => d.required === true && !(String(d.name) in input))
        .map((d) => String(d.name));
      if (missing.length) throw new Error(`/${inv.name}: required option(s) missing: ${missing.join(', ')}`);
    }
    if (focused !== null && !(focused in input))
      throw new Error(`Autocomplete focused option "${focused}" needs a value`);
    let tree = options;
    for (let i = wrap.length - 1; i >= 0; i--) {
      const level = wrap[i];
      if (level) tree = [{ name: level.name, type: level.type, options: tree }];
    }
    return { options: tree, resolved: Object.keys(resolved).length ? resolved : undefined, focusedType };
  }

  private resolvedChannel(channel: ChannelRecord, userId: string): JsonObject {
    return {
      id: channel.id,
      name: channel.name,
      type: channel.type,
      permissions: this.deps.state.permissionsIn(channel, userId).toString(),
      ...(channel.parentId ? { parent_id: channel.parentId } : {}),
      ...(channel.guildId ? { guild_id: channel.guildId } : {}),
      flags: 0,
    };
  }

  private resolveSelectValues(
    componentType: number,
    values: string[],
    guild: GuildRecord | undefined,
    channel: ChannelRecord,
  ): JsonObject {
    const { state } = this.deps;
    const resolved: Record<string, JsonObject> = {};
    const put = (kind: string, id: string, value: JsonObject) => {
      resolved[kind] ??= {};
      (resolved[kind] as JsonObject)[id] = value;
    };
    for (const id of values) {
      if (componentType === 8) {
        const target = state.liveChannel(id);
        if (!target) throw new Error(`Channel select: unknown channel ${id}`);
        put('channels', id, this.resolvedChannel(target, state.bot.id));
        continue;
      }
      const role = guild?.roles.get(id);
      if ((componentType === 6 || componentType === 7) && role) {
        put('roles', id, state.apiRole(role));
        continue;
      }
      const user = state.users.get(id);
      if ((componentType === 5 || componentType === 7) && user) {
        put('users', id, state.apiUser(user));
        const member = guild?.members.get(id);
        if (member) {
          const { user: _u, ...rest } = state.apiMember(member);
          put('members', id, { ...rest, permissions: state.permissionsIn(channel, id).toString() });
        }
        continue;
      }
      throw new Error(`Select value ${id} does not resolve for component type ${componentType}`);
    }
    return resolved;
  }

  private resolveTarget(
    type: number,
    targetId: string,
    guild: GuildRecord | undefined,
    channel: ChannelRecord,
  ): JsonObject {
    const { state } = this.deps;
    if (type === 2) {
      const user = state.users.get(targetId);
      if (!user) throw new Error(`Unknown target user ${targetId}`);
      const member = guild?.members.get(targetId);
      const out: JsonObject = { users: { [targetId]: state.apiUser(user) } };
      if (member) {
        const { user: _u, ...rest } = state.apiMember(member);
        out.members = {
          [targetId]: { ...rest, permissions: state.permissionsIn(channel, targetId).toString() },
        };
      }
      return out;
    }
    const msg = state.messages.get(targetId);
    if (!msg) throw new Error(`Unknown target message ${targetId}`);
    return { messages: { [targetId]: state.apiMessage(msg, this.deps.port()) } };
  }

  // -------------------------------------------------------------------------------------------------------
  // Dispatch + handle

  private dispatch(payload: JsonObject, meta: Omit<Entry, 'record'>): InteractionHandle {
    if (this.deps.gateway.liveSessions().length === 0) {
      throw new Error(
        'No gateway session: log the client in (and await emu.waitForReady()) before sending interactions',
      );
    }
    const now = this.deps.clock.now();
    const record: InteractionRecord = {
      id: String(payload.id),
      token: String(payload.token),
      type: Number(payload.type),
      payload,
      dispatchedAt: now,
      shards: [],
      callbacks: [],
      acknowledged: false,
      responseType: null,
      ephemeral: false,
      original: null,
      followUps: [],
      webhookRequests: [],
      autocompleteChoices: null,
      modal: null,
      lastActivityAt: now,
    };
    const entry: Entry = { record, ...meta };
    this.entries.set(record.id, entry);
    // Discord sends it to the shard owning the guild; an interaction outside a guild (a DM) to shard 0.
    const guildId = typeof payload.guild_id === 'string' ? payload.guild_id : null;
    record.shards = this.deps.gateway.dispatch('INTERACTION_CREATE', payload, { guildId });
    return this.handle(entry);
  }

  private handle(entry: Entry): InteractionHandle {
    const { recorder } = this.deps;
    const config = this.deps.config;
    const record = entry.record;
    return {
      id: record.id,
      token: record.token,
      payload: record.payload,
      record,
      response: (timeoutMs?: number): Promise<CallbackRecord> =>
        recorder.waitFor(
          () => record.callbacks[0],
          timeoutMs ?? config().responseTimeoutMs,
          `a response to interaction ${record.id} (${describe(record)})`,
        ),
      settled: async (options = {}) => {
        const timeoutMs = options.timeoutMs ?? config().responseTimeoutMs;
        await recorder.waitQuiet(
          // A deferred reply (type 5) is only settled once the bot edited it (or tried to).
          () =>
            record.callbacks.length > 0 &&
            (record.responseType !== 5 ||
              record.original?.loading === false ||
              record.webhookRequests.length > 0),
          () => record.lastActivityAt,
          options.quietMs ?? config().settleQuietMs,
          timeoutMs,
          `interaction ${record.id} (${describe(record)})`,
        );
        return record;
      },
      messages: (): StoredMessage[] =>
        [record.original, ...record.followUps].filter((m): m is StoredMessage => m !== null && !m.deleted),
    };
  }
}

function describe(record: InteractionRecord): string {
  const data = record.payload.data;
  if (!isRecord(data)) return `type ${record.type}`;
  if (typeof data.name === 'string') return `/${data.name}`;
  if (typeof data.custom_id === 'string') return `component ${data.custom_id}`;
  return `type ${record.type}`;
}

function asOptionList(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function inferType(value: OptionValue): number {
  if (typeof value === 'boolean') return OptionType.Boolean;
  if (typeof value === 'number') return Number.isInteger(value) ? OptionType.Integer : OptionType.Number;
  return OptionType.String;
}

function checkValueType(name: string, type: number, value: OptionValue): void {
  const ok =
    type === OptionType.String
      ? typeof value === 'string'
      : type === OptionType.Integer
        ? typeof value === 'number' && Number.isInteger(value)
        : type === OptionType.Number
          ? typeof value === 'number'
          : type === OptionType.Boolean
            ? typeof value === 'boolean'
            : typeof value === 'string' && /^\d+$/.test(value);
  if (!ok) throw new Error(`Option "${name}" (type ${type}) cannot take ${JSON.stringify(value)}`);
}

export type { Entry as InteractionEntry };
