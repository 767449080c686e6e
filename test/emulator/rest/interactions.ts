import { ApiError, DiscordErrors, invalidFormBody } from '../errors.ts';
import type { Router } from '../http.ts';
import type { InteractionEntry } from '../interactions.ts';
import type { CallbackRecord, StoredMessage } from '../types.ts';
import {
  allowedCallbackTypes,
  CallbackType,
  InteractionType,
  isRecord,
  type JsonObject,
  MessageFlag,
  validateAutocompleteData,
  validateModalData,
} from '../validation/index.ts';
import {
  noContent,
  ok,
  param,
  type RestContext,
  type RestRequest,
  type RestResult,
  type RouteHandler,
} from './context.ts';
import { dispatchMessage, dispatchMessageDelete, prepareMessage, restMessage } from './messages.ts';

const ALLOWED_RESPONSE_FLAGS =
  MessageFlag.SuppressEmbeds |
  MessageFlag.Ephemeral |
  MessageFlag.SuppressNotifications |
  MessageFlag.IsComponentsV2;

// ---------------------------------------------------------------------------------------------------------
// POST /interactions/{id}/{token}/callback

const callback: RouteHandler = (ctx, req) => {
  const id = param(req, 'interaction_id');
  const token = param(req, 'interaction_token');
  const entry = ctx.interactions.get(id);
  if (!entry || entry.record.token !== token)
    throw DiscordErrors.unknownInteraction(`no interaction ${id} with that token`);
  req.interactionId = id;
  const record = entry.record;
  const withResponse = req.query.get('with_response') === 'true';
  const body = req.body;
  const type = isRecord(body) && typeof body.type === 'number' ? body.type : undefined;
  const attempt: CallbackRecord = {
    at: ctx.clock.now(),
    type: type ?? -1,
    data: isRecord(body) ? body.data : undefined,
    withResponse,
    status: 0,
    accepted: false,
  };
  try {
    const result = acknowledge(ctx, req, entry, type, withResponse);
    attempt.status = result.status;
    attempt.accepted = true;
    return result;
  } catch (error) {
    if (error instanceof ApiError) {
      attempt.status = error.status;
      attempt.error = error.body;
    }
    throw error;
  } finally {
    // Recorded once decided, so `handle.response()` never sees a half-processed attempt.
    record.callbacks.push(attempt);
    ctx.interactions.touch(entry);
  }
};

function acknowledge(
  ctx: RestContext,
  req: RestRequest,
  entry: InteractionEntry,
  type: number | undefined,
  withResponse: boolean,
): RestResult {
  const record = entry.record;
  if (record.acknowledged) {
    throw DiscordErrors.alreadyAcknowledged(
      `second callback (type ${String(type)}) for interaction ${record.id}`,
    );
  }
  const age = ctx.clock.now() - record.dispatchedAt;
  if (age > ctx.config().ackDeadlineMs) {
    throw DiscordErrors.unknownInteraction(
      `callback ${age} ms after dispatch (deadline ${ctx.config().ackDeadlineMs} ms)`,
    );
  }
  const body = req.body;
  if (!isRecord(body) || type === undefined) {
    throw invalidFormBody([
      { path: ['type'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' },
    ]);
  }
  const fromComponent = entry.sourceMessageId !== null;
  if (!allowedCallbackTypes(record.type, fromComponent).includes(type)) {
    throw invalidFormBody([
      {
        path: ['type'],
        code: 'INTERACTION_CALLBACK_TYPE_INVALID',
        message: `Callback type ${type} is not valid for interaction type ${record.type}`,
      },
    ]);
  }
  const data = isRecord(body.data) ? body.data : {};
  const flags = typeof data.flags === 'number' ? data.flags : 0;
  if ((flags & ~ALLOWED_RESPONSE_FLAGS) !== 0) {
    throw invalidFormBody([
      { path: ['data', 'flags'], code: 'MESSAGE_FLAGS_INVALID', message: 'Invalid message flags' },
    ]);
  }
  const ephemeral = (flags & MessageFlag.Ephemeral) !== 0;
  let message: StoredMessage | null = null;

  switch (type) {
    case CallbackType.ChannelMessageWithSource: {
      const prepared = prepareMessage(ctx, req, body.data ?? {}, { mentionPolicy: true });
      message = createResponseMessage(ctx, entry, prepared.body, prepared.attachments, false);
      break;
    }
    case CallbackType.DeferredChannelMessageWithSource: {
      message = createResponseMessage(ctx, entry, { flags: flags & MessageFlag.Ephemeral }, undefined, true);
      break;
    }
    case CallbackType.DeferredUpdateMessage: {
      message = sourceMessage(ctx, entry);
      break;
    }
    case CallbackType.UpdateMessage: {
      const target = sourceMessage(ctx, entry);
      const prepared = prepareMessage(ctx, req, body.data ?? {}, { mentionPolicy: false, existing: target });
      ctx.state.editMessage(target, prepared.body, prepared.attachments);
      dispatchMessage(ctx, 'MESSAGE_UPDATE', target);
      message = target;
      break;
    }
    case CallbackType.ApplicationCommandAutocompleteResult: {
      const issues = validateAutocompleteData(body.data, entry.focusedType);
      if (issues.length) throw invalidFormBody(issues);
      record.autocompleteChoices = (data.choices as JsonObject[]).map((c) => ({ ...c }));
      break;
    }
    case CallbackType.Modal: {
      const issues = validateModalData(body.data);
      if (issues.length) throw invalidFormBody(issues);
      record.modal = data;
      break;
    }
    default:
      throw invalidFormBody([
        { path: ['type'], code: 'BASE_TYPE_CHOICES', message: `Unsupported callback type ${type}` },
      ]);
  }

  record.acknowledged = true;
  record.responseType = type;
  if (
    type === CallbackType.ChannelMessageWithSource ||
    type === CallbackType.DeferredChannelMessageWithSource
  ) {
    record.ephemeral = ephemeral;
  } else if (message) {
    record.ephemeral = message.ephemeral;
  }
  record.original = message;

  if (!withResponse) return noContent;
  const response: JsonObject = {
    interaction: {
      id: record.id,
      type: record.type,
      ...(message
        ? {
            response_message_id: message.id,
            response_message_loading: message.loading,
            response_message_ephemeral: message.ephemeral,
          }
        : {}),
    },
  };
  if (type !== CallbackType.ApplicationCommandAutocompleteResult) {
    response.resource = {
      type,
      ...(message && type !== CallbackType.DeferredUpdateMessage
        ? { message: restMessage(ctx, message) }
        : {}),
    };
  }
  return ok(response);
}

function createResponseMessage(
  ctx: RestContext,
  entry: InteractionEntry,
  body: JsonObject,
  attachments: StoredMessage['attachments'] | undefined,
  loading: boolean,
): StoredMessage {
  const messageType =
    entry.record.type === InteractionType.ApplicationCommand ? (entry.commandType === 1 ? 20 : 23) : 0;
  const message = ctx.state.createMessage({
    channelId: entry.channelId,
    authorId: ctx.state.bot.id,
    source: 'interaction-response',
    type: messageType,
    body,
    attachments,
    interactionId: entry.record.id,
    webhookId: ctx.state.application.id,
    loading,
  });
  dispatchMessage(ctx, 'MESSAGE_CREATE', message);
  return message;
}

function sourceMessage(ctx: RestContext, entry: InteractionEntry): StoredMessage {
  const message = entry.sourceMessageId ? ctx.state.messages.get(entry.sourceMessageId) : undefined;
  if (!message || message.deleted)
    throw DiscordErrors.unknownMessage('the message holding the component is gone');
  return message;
}

// ---------------------------------------------------------------------------------------------------------
// /webhooks/{application_id}/{token}/...  (interaction follow-ups and edits)

function resolveWebhook(ctx: RestContext, req: RestRequest): InteractionEntry {
  const appId = param(req, 'application_id');
  const token = param(req, 'interaction_token');
  if (appId !== ctx.state.application.id)
    throw DiscordErrors.unknownWebhook(`webhook ${appId} is not this application`);
  const entry = ctx.interactions.byToken(token);
  if (!entry) throw DiscordErrors.invalidWebhookToken('unknown interaction token');
  req.interactionId = entry.record.id;
  const age = ctx.clock.now() - entry.record.dispatchedAt;
  if (age > ctx.config().interactionTokenTtlMs) {
    throw DiscordErrors.invalidWebhookToken(
      `interaction token used ${Math.round(age / 1000)} s after dispatch (expired)`,
    );
  }
  if (entry.record.type === InteractionType.ApplicationCommandAutocomplete) {
    throw DiscordErrors.unknownWebhook('autocomplete interactions have no webhook');
  }
  if (!entry.record.acknowledged) {
    throw DiscordErrors.unknownWebhook('interaction has not been acknowledged yet (no callback)');
  }
  return entry;
}

function targetMessage(ctx: RestContext, entry: InteractionEntry, messageId: string): StoredMessage {
  const record = entry.record;
  if (messageId === '@original') {
    if (!record.original || record.original.deleted)
      throw DiscordErrors.unknownMessage('the original response does not exist');
    return record.original;
  }
  const message = [record.original, ...record.followUps].find((m) => m?.id === messageId);
  if (!message || message.deleted)
    throw DiscordErrors.unknownMessage(`message ${messageId} does not belong to this interaction`);
  return message;
}

/** Wraps a webhook handler so each attempt is logged on the interaction record. */
function webhookRoute(
  target: (req: RestRequest) => string,
  handler: (ctx: RestContext, req: RestRequest, entry: InteractionEntry) => RestResult,
): RouteHandler {
  return (ctx, req) => {
    const token = req.params.interaction_token ?? '';
    const known = ctx.interactions.byToken(token);
    try {
      const entry = resolveWebhook(ctx, req);
      const result = handler(ctx, req, entry);
      entry.record.webhookRequests.push({
        at: ctx.clock.now(),
        method: req.method,
        target: target(req),
        body: req.body,
        status: result.status,
        accepted: true,
      });
      ctx.interactions.touch(entry);
      return result;
    } catch (error) {
      if (known && error instanceof ApiError) {
        known.record.webhookRequests.push({
          at: ctx.clock.now(),
          method: req.method,
          target: target(req),
          body: req.body,
          status: error.status,
          accepted: false,
          error: error.body,
        });
        ctx.interactions.touch(known);
      }
      throw error;
    }
  };
}

const messageTarget = (req: RestRequest) => req.params.message_id ?? '@original';

const getWebhookMessage = webhookRoute(messageTarget, (ctx, req, entry) =>
  ok(restMessage(ctx, targetMessage(ctx, entry, param(req, 'message_id')))),
);

const editWebhookMessage = webhookRoute(messageTarget, (ctx, req, entry) => {
  const message = targetMessage(ctx, entry, param(req, 'message_id'));
  // Completing a deferred reply is what actually posts the content, so the mention rule applies.
  const prepared = prepareMessage(ctx, req, req.body, { mentionPolicy: message.loading, existing: message });
  ctx.state.editMessage(message, prepared.body, prepared.attachments);
  dispatchMessage(ctx, 'MESSAGE_UPDATE', message);
  return ok(restMessage(ctx, message));
});

const deleteWebhookMessage = webhookRoute(messageTarget, (ctx, req, entry) => {
  const message = targetMessage(ctx, entry, param(req, 'message_id'));
  message.deleted = true;
  dispatchMessageDelete(ctx, message);
  return noContent;
});

const followUp = webhookRoute(
  () => 'follow-up',
  (ctx, req, entry) => {
    const prepared = prepareMessage(ctx, req, req.body, { mentionPolicy: true });
    const flags = typeof prepared.body.flags === 'number' ? prepared.body.flags : 0;
    if ((flags & ~ALLOWED_RESPONSE_FLAGS) !== 0) {
      throw invalidFormBody([
        { path: ['flags'], code: 'MESSAGE_FLAGS_INVALID', message: 'Invalid message flags' },
      ]);
    }
    const message = ctx.state.createMessage({
      channelId: entry.channelId,
      authorId: ctx.state.bot.id,
      source: 'follow-up',
      body: prepared.body,
      attachments: prepared.attachments,
      interactionId: entry.record.id,
      webhookId: ctx.state.application.id,
    });
    entry.record.followUps.push(message);
    dispatchMessage(ctx, 'MESSAGE_CREATE', message);
    return req.query.get('wait') === 'true' ? ok(restMessage(ctx, message)) : noContent;
  },
);

export function registerInteractionRoutes(router: Router<RouteHandler>): void {
  const open = { auth: false };
  router
    .add('POST', '/interactions/:interaction_id/:interaction_token/callback', callback, open)
    .add('GET', '/webhooks/:application_id/:interaction_token/messages/:message_id', getWebhookMessage, open)
    .add(
      'PATCH',
      '/webhooks/:application_id/:interaction_token/messages/:message_id',
      editWebhookMessage,
      open,
    )
    .add(
      'DELETE',
      '/webhooks/:application_id/:interaction_token/messages/:message_id',
      deleteWebhookMessage,
      open,
    )
    .add('POST', '/webhooks/:application_id/:interaction_token', followUp, open);
}
