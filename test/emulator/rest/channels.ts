import { DiscordErrors, invalidFormBody } from '../errors.ts';
import type { Router } from '../http.ts';
import { Permissions } from '../permissions.ts';
import { type ChannelRecord, isTextChannelType } from '../state.ts';
import type { StoredMessage } from '../types.ts';
import { isRecord, type JsonObject, MessageFlag } from '../validation/index.ts';
import {
  noContent,
  ok,
  param,
  type RestContext,
  type RestRequest,
  type RestResult,
  type RouteHandler,
} from './context.ts';
import { requirePermission, visibleChannel } from './access.ts';
import { dispatchMessage, dispatchMessageDelete, prepareMessage, restMessage } from './messages.ts';

/** A channel the bot can see: 10003 when unknown/deleted, 50001 without VIEW_CHANNEL. */

function findMessage(ctx: RestContext, channel: ChannelRecord, messageId: string) {
  const message = ctx.state.messages.get(messageId);
  if (!message || message.deleted || message.channelId !== channel.id || message.ephemeral) {
    throw DiscordErrors.unknownMessage(`message ${messageId} not found in channel ${channel.id}`);
  }
  return message;
}

const getChannel: RouteHandler = (ctx, req) =>
  ok(ctx.state.apiChannel(visibleChannel(ctx, param(req, 'channel_id'))));

const createMessage: RouteHandler = (ctx, req) => {
  const channel = visibleChannel(ctx, param(req, 'channel_id'));
  if (!isTextChannelType(channel.type))
    throw DiscordErrors.nonTextChannel(`channel ${channel.id} has type ${channel.type}`);
  const prepared = prepareMessage(ctx, req, req.body, { mentionPolicy: true });
  const body = prepared.body;

  if (channel.thread) {
    requirePermission(ctx, channel, Permissions.SendMessagesInThreads, 'SEND_MESSAGES_IN_THREADS');
    if (Array.isArray(body.embeds) && body.embeds.length > 0)
      requirePermission(ctx, channel, Permissions.EmbedLinks, 'EMBED_LINKS');
  } else if (channel.guildId) {
    requirePermission(ctx, channel, Permissions.SendMessages, 'SEND_MESSAGES');
    if (Array.isArray(body.embeds) && body.embeds.length > 0)
      requirePermission(ctx, channel, Permissions.EmbedLinks, 'EMBED_LINKS');
    if (req.files.length > 0) requirePermission(ctx, channel, Permissions.AttachFiles, 'ATTACH_FILES');
  } else {
    const recipient = channel.recipientId ? ctx.state.users.get(channel.recipientId) : undefined;
    if (!recipient || recipient.dmsClosed || recipient.bot) {
      throw DiscordErrors.cannotMessageUser(
        `user ${String(channel.recipientId)} does not accept DMs from the bot`,
      );
    }
  }

  if (isRecord(body.message_reference)) {
    const ref = body.message_reference;
    const target = typeof ref.message_id === 'string' ? ctx.state.messages.get(ref.message_id) : undefined;
    const sameChannel =
      target &&
      !target.deleted &&
      target.channelId === (typeof ref.channel_id === 'string' ? ref.channel_id : channel.id);
    if (!sameChannel) {
      if (ref.fail_if_not_exists !== false) {
        throw invalidFormBody([
          {
            path: ['message_reference'],
            code: 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE',
            message: 'Unknown message',
          },
        ]);
      }
      delete body.message_reference;
    }
  }

  const nonce = body.nonce;
  const hasNonce = typeof nonce === 'string' || typeof nonce === 'number';
  const nonceKey = hasNonce ? `${channel.id}:${ctx.state.bot.id}:${String(nonce)}` : null;
  if (nonceKey && body.enforce_nonce === true) {
    const seen = ctx.state.nonces.get(nonceKey);
    const existing = seen ? ctx.state.messages.get(seen.messageId) : undefined;
    if (seen && existing && ctx.clock.now() - seen.at <= ctx.config().nonceWindowMs) {
      return ok(restMessage(ctx, existing));
    }
  }

  const message = ctx.state.createMessage({
    channelId: channel.id,
    authorId: ctx.state.bot.id,
    source: 'channel',
    // EPHEMERAL only means something on interaction responses; Discord ignores it here.
    body: typeof body.flags === 'number' ? { ...body, flags: body.flags & ~MessageFlag.Ephemeral } : body,
    attachments: prepared.attachments,
  });
  if (nonceKey) ctx.state.nonces.set(nonceKey, { messageId: message.id, at: message.createdAt });
  dispatchMessage(ctx, 'MESSAGE_CREATE', message);
  return ok(restMessage(ctx, message));
};

const listMessages: RouteHandler = (ctx, req) => {
  const channel = visibleChannel(ctx, param(req, 'channel_id'));
  requirePermission(ctx, channel, Permissions.ReadMessageHistory, 'READ_MESSAGE_HISTORY');
  const limitRaw = req.query.get('limit');
  const limit = limitRaw === null ? 50 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw invalidFormBody([
      { path: ['limit'], code: 'NUMBER_TYPE_MAX', message: 'int value should be between 1 and 100.' },
    ]);
  }
  const before = req.query.get('before');
  const after = req.query.get('after');
  for (const [key, value] of [
    ['before', before],
    ['after', after],
  ] as const) {
    if (value !== null && !/^\d{1,20}$/.test(value)) {
      throw invalidFormBody([
        { path: [key], code: 'NUMBER_TYPE_COERCE', message: `Value "${value}" is not snowflake.` },
      ]);
    }
  }
  let list = ctx.state.messagesIn(channel.id).filter((m) => !m.ephemeral);
  if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before));
  if (after) list = list.filter((m) => BigInt(m.id) > BigInt(after));
  const newestFirst = list.reverse();
  const page = after ? newestFirst.slice(-limit) : newestFirst.slice(0, limit);
  return ok(page.map((m) => fetchedMessage(ctx, m)));
};

/** A message read back later: Discord returns the nonce only when the message is created. */
function fetchedMessage(ctx: RestContext, message: StoredMessage): JsonObject {
  const { nonce: _nonce, ...rest } = restMessage(ctx, message);
  return rest;
}

const getMessage: RouteHandler = (ctx, req) => {
  const channel = visibleChannel(ctx, param(req, 'channel_id'));
  requirePermission(ctx, channel, Permissions.ReadMessageHistory, 'READ_MESSAGE_HISTORY');
  return ok(fetchedMessage(ctx, findMessage(ctx, channel, param(req, 'message_id'))));
};

const editMessage: RouteHandler = (ctx, req) => {
  const channel = visibleChannel(ctx, param(req, 'channel_id'));
  const message = findMessage(ctx, channel, param(req, 'message_id'));
  if (message.authorId !== ctx.state.bot.id) throw DiscordErrors.cannotEditOthers();
  const prepared = prepareMessage(ctx, req, req.body, { mentionPolicy: false, existing: message });
  ctx.state.editMessage(message, prepared.body, prepared.attachments);
  dispatchMessage(ctx, 'MESSAGE_UPDATE', message);
  return ok(restMessage(ctx, message));
};

const deleteMessage: RouteHandler = (ctx, req) => {
  const channel = visibleChannel(ctx, param(req, 'channel_id'));
  const message = findMessage(ctx, channel, param(req, 'message_id'));
  if (message.authorId !== ctx.state.bot.id) {
    if (!channel.guildId)
      throw DiscordErrors.missingPermissions('cannot delete messages of other users in a DM');
    requirePermission(ctx, channel, Permissions.ManageMessages, 'MANAGE_MESSAGES');
  }
  message.deleted = true;
  dispatchMessageDelete(ctx, message);
  return noContent;
};

const typing: RouteHandler = (ctx, req) => {
  const channel = visibleChannel(ctx, param(req, 'channel_id'));
  requirePermission(ctx, channel, Permissions.SendMessages, 'SEND_MESSAGES');
  return noContent;
};

const deleteChannel: RouteHandler = (ctx, req) => {
  const channel = visibleChannel(ctx, param(req, 'channel_id'));
  if (channel.guildId) requirePermission(ctx, channel, Permissions.ManageChannels, 'MANAGE_CHANNELS');
  const body = ctx.state.apiChannel(channel);
  channel.deleted = true;
  return ok(body);
};

/** POST /users/@me/channels — open (or return) the DM channel with `recipient_id`. */
const openDm: RouteHandler = (ctx, req: RestRequest): RestResult => {
  const body = req.body;
  if (!isRecord(body) || typeof body.recipient_id !== 'string') {
    throw invalidFormBody([
      { path: ['recipient_id'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' },
    ]);
  }
  const user = ctx.state.users.get(body.recipient_id);
  if (!user || user.id === ctx.state.bot.id)
    throw DiscordErrors.invalidRecipient(`unknown recipient ${body.recipient_id}`);
  const channel = ctx.state.ensureDmChannel(user.id);
  return ok(ctx.state.apiChannel(channel) as JsonObject);
};

export function registerChannelRoutes(router: Router<RouteHandler>): void {
  router
    .add('GET', '/channels/:channel_id', getChannel)
    .add('DELETE', '/channels/:channel_id', deleteChannel)
    .add('POST', '/channels/:channel_id/messages', createMessage)
    .add('GET', '/channels/:channel_id/messages', listMessages)
    .add('GET', '/channels/:channel_id/messages/:message_id', getMessage)
    .add('PATCH', '/channels/:channel_id/messages/:message_id', editMessage)
    .add('DELETE', '/channels/:channel_id/messages/:message_id', deleteMessage)
    .add('POST', '/channels/:channel_id/typing', typing)
    .add('POST', '/users/@me/channels', openDm);
}
