/**
 * Threads and forum posts, as Discord has them: POST /channels/{forum}/threads creates a post (a thread
 * whose first message has the thread's id), POST /channels/{channel}/messages/{message}/threads starts a
 * public thread from a message (the thread takes the message's id; a second one is 160004), and
 * GET /guilds/{guild}/threads/active lists the unarchived threads. Permissions: Create Posts (Send
 * Messages in a forum), Create Public Threads, Send Messages in Threads; names 1–100 characters, at most
 * five applied tags, each one of the forum's.
 */
import { DiscordErrors, invalidFormBody } from '../errors.ts';
import { Intents } from '../gateway.ts';
import { Permissions } from '../permissions.ts';
import { type ChannelRecord, FORUM_CHANNEL_TYPE } from '../state.ts';
import type { Issue } from '../validation/index.ts';
import { isRecord, type JsonObject } from '../validation/index.ts';
import type { Router } from '../http.ts';
import { ok, param, type RestContext, type RestRequest, type RouteHandler } from './context.ts';
import { requirePermission, visibleChannel } from './access.ts';
import { dispatchMessage, prepareMessage, restMessage } from './messages.ts';

export const THREAD_LIMITS = { name: 100, appliedTags: 5 } as const;
const ARCHIVE_DURATIONS = new Set([60, 1440, 4320, 10080]);
const PUBLIC_THREAD = 11;
const ANNOUNCEMENT_THREAD = 10;

/** name and auto_archive_duration, checked as Discord does. */
function threadFields(body: JsonObject, issues: Issue[]): { name: string; autoArchiveDuration?: number } {
  const name = body.name;
  if (typeof name !== 'string' || name.trim().length === 0) {
    issues.push({ path: ['name'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
  } else if (name.length > THREAD_LIMITS.name) {
    issues.push({
      path: ['name'],
      code: 'BASE_TYPE_BAD_LENGTH',
      message: `Must be between 1 and ${THREAD_LIMITS.name} in length.`,
    });
  }
  const duration = body.auto_archive_duration;
  if (duration !== undefined && !(typeof duration === 'number' && ARCHIVE_DURATIONS.has(duration))) {
    issues.push({
      path: ['auto_archive_duration'],
      code: 'BASE_TYPE_CHOICES',
      message: 'Value must be one of {60, 1440, 4320, 10080}.',
    });
  }
  return {
    name: typeof name === 'string' ? name : '',
    ...(typeof duration === 'number' ? { autoArchiveDuration: duration } : {}),
  };
}

function dispatchThreadCreate(ctx: RestContext, thread: ChannelRecord): void {
  ctx.gateway.dispatch(
    'THREAD_CREATE',
    { ...ctx.state.apiChannel(thread), newly_created: true },
    { guildId: thread.guildId, intent: Intents.Guilds },
  );
}

/** POST /channels/{forum}/threads with `message`: a forum post. */
const createForumPost: RouteHandler = (ctx, req) => {
  const forum = visibleChannel(ctx, param(req, 'channel_id'));
  if (forum.type !== FORUM_CHANNEL_TYPE) {
    // Threads without a starting message in text channels are not emulated: the bot never makes them.
    throw invalidFormBody([
      { path: ['type'], code: 'BASE_TYPE_REQUIRED', message: 'Only forum posts are emulated here' },
    ]);
  }
  const body = isRecord(req.body) ? req.body : {};
  const issues: Issue[] = [];
  const fields = threadFields(body, issues);
  const tags = body.applied_tags ?? [];
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string')) {
    issues.push({
      path: ['applied_tags'],
      code: 'LIST_TYPE_CONVERT',
      message: 'Must be a list of snowflakes.',
    });
  } else if (tags.length > THREAD_LIMITS.appliedTags) {
    issues.push({
      path: ['applied_tags'],
      code: 'BASE_TYPE_MAX_LENGTH',
      message: `Must be ${THREAD_LIMITS.appliedTags} or fewer in length.`,
    });
  } else {
    tags.forEach((tag, index) => {
      if (!forum.availableTags.some((available) => available.id === tag)) {
        issues.push({ path: ['applied_tags', index], code: 'TAG_INVALID', message: 'Unknown tag.' });
      }
    });
  }
  if (!isRecord(body.message)) {
    issues.push({ path: ['message'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
  }
  if (issues.length) throw invalidFormBody(issues);
  const applied = tags as string[];
  // In a forum, Send Messages is "Create Posts"; a moderated tag needs Manage Threads.
  requirePermission(ctx, forum, Permissions.SendMessages, 'SEND_MESSAGES (Create Posts)');
  if (applied.some((id) => forum.availableTags.find((tag) => tag.id === id)?.moderated)) {
    requirePermission(ctx, forum, Permissions.ManageThreads, 'MANAGE_THREADS (moderated tag)');
  }
  const prepared = prepareMessage(ctx, { ...req, body: body.message } as RestRequest, body.message, {
    mentionPolicy: true,
  });
  if (Array.isArray(prepared.body.embeds) && prepared.body.embeds.length > 0) {
    requirePermission(ctx, forum, Permissions.EmbedLinks, 'EMBED_LINKS');
  }
  const thread = ctx.state.createThread(forum, {
    name: fields.name,
    type: PUBLIC_THREAD,
    ownerId: ctx.state.bot.id,
    appliedTags: applied,
    ...(fields.autoArchiveDuration !== undefined && { autoArchiveDuration: fields.autoArchiveDuration }),
  });
  const message = ctx.state.createMessage({
    id: thread.id,
    channelId: thread.id,
    authorId: ctx.state.bot.id,
    source: 'channel',
    body: prepared.body,
    attachments: prepared.attachments,
  });
  dispatchThreadCreate(ctx, thread);
  dispatchMessage(ctx, 'MESSAGE_CREATE', message);
  return ok({ ...ctx.state.apiChannel(thread), message: restMessage(ctx, message) }, 201);
};

/** POST /channels/{channel}/messages/{message}/threads: a public thread from a message. */
const threadFromMessage: RouteHandler = (ctx, req) => {
  const channel = visibleChannel(ctx, param(req, 'channel_id'));
  const message = ctx.state.messages.get(param(req, 'message_id'));
  if (!message || message.deleted || message.channelId !== channel.id || message.ephemeral) {
    throw DiscordErrors.unknownMessage(
      `message ${param(req, 'message_id')} not found in channel ${channel.id}`,
    );
  }
  const issues: Issue[] = [];
  const fields = threadFields(isRecord(req.body) ? req.body : {}, issues);
  if (issues.length) throw invalidFormBody(issues);
  if (channel.thread || channel.type === FORUM_CHANNEL_TYPE || !channel.guildId) {
    throw DiscordErrors.nonTextChannel(`channel ${channel.id} cannot hold threads`);
  }
  requirePermission(ctx, channel, Permissions.CreatePublicThreads, 'CREATE_PUBLIC_THREADS');
  if (ctx.state.channels.has(message.id)) {
    throw DiscordErrors.threadAlreadyCreated(`message ${message.id} already has a thread`);
  }
  const thread = ctx.state.createThread(channel, {
    id: message.id,
    name: fields.name,
    type: channel.type === 5 ? ANNOUNCEMENT_THREAD : PUBLIC_THREAD,
    ownerId: ctx.state.bot.id,
    ...(fields.autoArchiveDuration !== undefined && { autoArchiveDuration: fields.autoArchiveDuration }),
  });
  dispatchThreadCreate(ctx, thread);
  return ok(ctx.state.apiChannel(thread), 201);
};

/** GET /guilds/{guild}/threads/active: every unarchived thread of the guild (Discord checks no channel). */
const activeThreads: RouteHandler = (ctx, req) => {
  const guild = ctx.state.guilds.get(param(req, 'guild_id'));
  if (!guild) throw DiscordErrors.unknownGuild(`guild ${param(req, 'guild_id')}`);
  const threads = guild.channelIds
    .map((id) => ctx.state.liveChannel(id))
    .filter((channel): channel is ChannelRecord => Boolean(channel?.thread && !channel.thread.archived));
  return ok({ threads: threads.map((thread) => ctx.state.apiChannel(thread)), members: [] });
};

export function registerThreadRoutes(router: Router<RouteHandler>): void {
  router
    .add('POST', '/channels/:channel_id/threads', createForumPost)
    .add('POST', '/channels/:channel_id/messages/:message_id/threads', threadFromMessage)
    .add('GET', '/guilds/:guild_id/threads/active', activeThreads);
}
