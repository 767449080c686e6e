import { DiscordErrors, invalidFormBody } from '../errors.ts';
import { Intents } from '../gateway.ts';
import { snowflake } from '../ids.ts';
import type { StoredAttachment, StoredMessage } from '../types.ts';
import {
  allowedMentionsPolicy,
  type Issue,
  isEmptyMessage,
  isRecord,
  type JsonObject,
  LIMITS,
  urlPolicy,
  validateMessageBody,
} from '../validation/index.ts';
import type { RestContext, RestRequest } from './context.ts';

export interface PreparedMessage {
  body: JsonObject;
  /** Attachments built from uploaded files (undefined when the request carried no files). */
  attachments: StoredAttachment[] | undefined;
}

interface PrepareOptions {
  /** Apply the `requireNoMentions` product rule (message creation, and completing a deferred reply). */
  mentionPolicy: boolean;
  /** For edits: the message being edited (empty-message check runs on the merged result). */
  existing?: StoredMessage;
}

/** Validation shared by every route that creates or edits a message. Throws the Discord error. */
export function prepareMessage(
  ctx: RestContext,
  req: RestRequest,
  raw: unknown,
  options: PrepareOptions,
): PreparedMessage {
  if (!isRecord(raw)) {
    throw invalidFormBody([
      { path: [], code: 'MODEL_TYPE_CONVERT', message: 'Only dictionaries may be used in a ModelType' },
    ]);
  }
  const issues: Issue[] = validateMessageBody(raw);
  if (req.files.length > LIMITS.files) {
    issues.push({
      path: ['files'],
      code: 'BASE_TYPE_MAX_LENGTH',
      message: `Must be ${LIMITS.files} or fewer in length.`,
    });
  }
  if (issues.length) throw invalidFormBody(issues);
  const tooBig = req.files.find((f) => f.size > LIMITS.fileBytes);
  if (tooBig)
    throw DiscordErrors.entityTooLarge(
      `file ${tooBig.filename} is ${tooBig.size} bytes (limit ${LIMITS.fileBytes})`,
    );

  const attachments = req.files.length ? buildAttachments(ctx, raw, req) : undefined;
  const existing = options.existing;
  const merged: JsonObject = existing
    ? {
        content: 'content' in raw ? raw.content : existing.content,
        embeds: 'embeds' in raw ? raw.embeds : existing.embeds,
        components: 'components' in raw ? raw.components : existing.components,
        attachments: attachments ?? ('attachments' in raw ? raw.attachments : existing.attachments),
      }
    : raw;
  if (isEmptyMessage(merged, existing ? 0 : req.files.length)) throw DiscordErrors.emptyMessage();

  checkPolicies(ctx, req, raw, options.mentionPolicy);
  return { body: raw, attachments };
}

function checkPolicies(ctx: RestContext, req: RestRequest, body: JsonObject, mentionPolicy: boolean): void {
  const config = ctx.config();
  const reasons: string[] = [];
  if (mentionPolicy && config.requireNoMentions) {
    const reason = allowedMentionsPolicy(body);
    if (reason) reasons.push(reason);
  }
  if (config.strictUrls) reasons.push(...urlPolicy(body));
  for (const reason of reasons) {
    ctx.recorder.violation({
      kind: 'policy',
      reason,
      method: req.method,
      route: req.route,
      path: req.path,
      body,
      ...(req.interactionId ? { interactionId: req.interactionId } : {}),
    });
  }
}

function buildAttachments(ctx: RestContext, body: JsonObject, req: RestRequest): StoredAttachment[] {
  const meta = Array.isArray(body.attachments) ? body.attachments.filter(isRecord) : [];
  return req.files.map((file, index) => {
    const key = /^files\[(\d+)\]$/.exec(file.field)?.[1] ?? String(index);
    const described = meta.find((m) => String(m.id) === key);
    return {
      id: snowflake(ctx.clock.now()),
      filename: typeof described?.filename === 'string' ? described.filename : file.filename,
      size: file.size,
      contentType: file.contentType,
      ...(typeof described?.description === 'string' ? { description: described.description } : {}),
    };
  });
}

/** Sends MESSAGE_CREATE / MESSAGE_UPDATE for a non-ephemeral message to sessions with the right intent. */
export function dispatchMessage(
  ctx: RestContext,
  event: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE',
  message: StoredMessage,
): void {
  if (message.ephemeral) return;
  const channel = ctx.state.channels.get(message.channelId);
  if (!channel) return;
  const extra: JsonObject = {};
  if (channel.guildId) {
    extra.guild_id = channel.guildId;
    const member = ctx.state.guilds.get(channel.guildId)?.members.get(message.authorId);
    if (member) {
      const { user: _user, ...rest } = ctx.state.apiMember(member);
      extra.member = rest;
    }
  } else {
    extra.channel_type = 1;
  }
  if (message.interactionId) {
    const interaction = ctx.interactions.get(message.interactionId)?.record;
    if (interaction) extra.interaction_metadata = interactionMetadata(ctx, interaction.payload, message);
  }
  const intent = channel.guildId ? Intents.GuildMessages : Intents.DirectMessages;
  ctx.gateway.dispatch(event, ctx.state.apiMessage(message, ctx.port(), extra), {
    guildId: channel.guildId,
    intent,
  });
}

export function dispatchMessageDelete(ctx: RestContext, message: StoredMessage): void {
  if (message.ephemeral) return;
  const intent = message.guildId ? Intents.GuildMessages : Intents.DirectMessages;
  ctx.gateway.dispatch(
    'MESSAGE_DELETE',
    {
      id: message.id,
      channel_id: message.channelId,
      ...(message.guildId ? { guild_id: message.guildId } : {}),
    },
    { guildId: message.guildId, intent },
  );
}

export function interactionMetadata(
  ctx: RestContext,
  payload: JsonObject,
  message: StoredMessage,
): JsonObject {
  const user = isRecord(payload.member) ? payload.member.user : payload.user;
  const meta: JsonObject = {
    id: payload.id,
    type: payload.type,
    user,
    authorizing_integration_owners: payload.authorizing_integration_owners,
  };
  if (message.source === 'follow-up') {
    const original = ctx.interactions.get(String(payload.id))?.record.original;
    if (original) meta.original_response_message_id = original.id;
  }
  if (isRecord(payload.message)) meta.interacted_message_id = payload.message.id;
  return meta;
}

/** The message object returned by REST for a stored message (interaction messages carry their metadata). */
export function restMessage(ctx: RestContext, message: StoredMessage): JsonObject {
  const extra: JsonObject = {};
  if (message.interactionId) {
    const interaction = ctx.interactions.get(message.interactionId)?.record;
    if (interaction) extra.interaction_metadata = interactionMetadata(ctx, interaction.payload, message);
  }
  return ctx.state.apiMessage(message, ctx.port(), extra);
}
