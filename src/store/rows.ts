/**
 * The tables' rows as both stores read them, and their mapping to the `Store` types. The schemas match
 * column for column; only the drivers differ (SQLite gives 0/1 for a flag, Postgres a boolean).
 */
import { parsePauseReason, parseRunProblem } from './reasons.ts';
import { StoreValidationError, guildDigestSchema, validate, type ValidGuildDigest } from './validation.ts';
import {
  DEFAULT_DIGEST_NAME,
  digestNameKey,
  parseTargetKey,
  targetKey,
  type DeliveryMode,
  type DigestRun,
  type DigestTargetRef,
  type GuildDigestPatch,
  type GuildDigestSettings,
  type RunState,
  type SentArticle,
  type StoredVote,
  type Subscription,
} from './types.ts';

export const DEFAULT_DIGEST_SIZE = 5;

export interface ScheduleRow {
  time: string;
  time_zone: string;
  paused: number | boolean;
  pause_reason: string | null;
  consecutive_failures: number;
  next_due_at: number | null;
  last_digest_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface GuildRow extends ScheduleRow {
  guild_id: string;
  slot: number;
  name: string;
  name_key: string;
  target_key: string;
  channel_id: string;
  delivery: DeliveryMode;
  allow_repeats: number | boolean;
  size: number;
  topics: string;
  min_quality: number | null;
  mention_role_id: string | null;
}

export interface SubscriptionRow extends ScheduleRow {
  id: number;
  user_id: string;
  topic: string;
  topic_key: string;
  origin_channel_id: string;
}

export interface RunRow {
  id: number;
  target: string;
  due_at: number;
  state: RunState;
  nonce: string;
  window_start: number | null;
  window_end: number | null;
  channel_id: string | null;
  message_id: string | null;
  articles: string;
  prepared_body: string | null;
  error_reason: string | null;
  claimed_at: number;
  post_started_at: number | null;
  finished_at: number | null;
  claimed_by: string | null;
  lease_until: number;
}

function scheduleFields(row: ScheduleRow) {
  return {
    time: row.time,
    timeZone: row.time_zone,
    paused: row.paused === 1 || row.paused === true,
    pauseReason: parsePauseReason(row.pause_reason),
    consecutiveFailures: row.consecutive_failures,
    nextDueAt: row.next_due_at,
    lastDigestAt: row.last_digest_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toGuildDigest(row: GuildRow): GuildDigestSettings {
  return {
    kind: 'guild',
    guildId: row.guild_id,
    slot: row.slot,
    name: row.name,
    channelId: row.channel_id,
    delivery: row.delivery,
    allowRepeats: row.allow_repeats === 1 || row.allow_repeats === true,
    size: row.size,
    topics: JSON.parse(row.topics) as string[],
    minQuality: row.min_quality,
    mentionRoleId: row.mention_role_id,
    ...scheduleFields(row),
  };
}

export function toSubscription(row: SubscriptionRow): Subscription {
  return {
    kind: 'subscription',
    id: row.id,
    userId: row.user_id,
    topic: row.topic,
    topicKey: row.topic_key,
    originChannelId: row.origin_channel_id,
    ...scheduleFields(row),
  };
}

export function toRun(row: RunRow): DigestRun {
  return {
    id: row.id,
    target: parseTargetKey(row.target),
    dueAt: row.due_at,
    state: row.state,
    nonce: row.nonce,
    windowStart: row.window_start,
    windowEnd: row.window_end,
    channelId: row.channel_id,
    messageId: row.message_id,
    articles: JSON.parse(row.articles) as SentArticle[],
    preparedContent: row.prepared_body,
    problem: parseRunProblem(row.error_reason),
    claimedAt: row.claimed_at,
    postStartedAt: row.post_started_at,
    finishedAt: row.finished_at,
    claimedBy: row.claimed_by,
    leaseUntil: row.lease_until,
  };
}

/** The two tables that hold schedules share their schedule columns, so most statements come in pairs. */
export type ScheduleTable = 'guild_digests' | 'subscriptions';

/** A server digest is found by its target key (generated from server and slot), a subscription by id. */
export const ID_COLUMN: Record<ScheduleTable, string> = { guild_digests: 'target_key', subscriptions: 'id' };

export function tableOf(ref: DigestTargetRef): { table: ScheduleTable; id: string | number } {
  return ref.kind === 'guild'
    ? { table: 'guild_digests', id: targetKey(ref) }
    : { table: 'subscriptions', id: ref.subscriptionId };
}

/** The target keys of every digest of a server sort between these two (`guild:<id>`, `guild:<id>:<slot>`). */
export function serverKeyRange(guildId: string): { first: string; after: string } {
  return { first: `guild:${guildId}`, after: `guild:${guildId};` };
}

export interface VoteRow {
  guild_id: string;
  user_id: string;
  article_id: string;
  vote: number;
  topics: string;
  provider: string;
  voted_at: number;
}

export function toVote(row: VoteRow): StoredVote {
  return {
    guildId: row.guild_id,
    userId: row.user_id,
    articleId: row.article_id,
    vote: row.vote > 0 ? 1 : -1,
    topics: JSON.parse(row.topics) as string[],
    provider: row.provider,
    votedAt: row.voted_at,
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

/** A guild digest patch applied over the current settings (or the defaults), validated as a whole. */
export function mergeGuildPatch(
  current: GuildDigestSettings | undefined,
  patch: GuildDigestPatch,
): ValidGuildDigest & { nameKey: string } {
  if (!current && (!patch.channelId || !patch.time || !patch.timeZone)) {
    throw new StoreValidationError(
      'Invalid digest settings: a new digest needs a channel, a time and a time zone',
    );
  }
  const { slot: _slot, ...fields } = patch;
  const merged = validate(
    guildDigestSchema,
    {
      name: DEFAULT_DIGEST_NAME,
      size: DEFAULT_DIGEST_SIZE,
      topics: [],
      minQuality: null,
      mentionRoleId: null,
      delivery: 'message',
      allowRepeats: false,
      ...(current && {
        name: current.name,
        delivery: current.delivery,
        allowRepeats: current.allowRepeats,
        channelId: current.channelId,
        time: current.time,
        timeZone: current.timeZone,
        size: current.size,
        topics: current.topics,
        minQuality: current.minQuality,
        mentionRoleId: current.mentionRoleId,
      }),
      ...withoutUndefined(fields),
    },
    'digest settings',
  );
  return { ...merged, nameKey: digestNameKey(merged.name) };
}

export function noSuchSlot(slot: number): StoreValidationError {
  return new StoreValidationError(`Invalid digest settings: this server has no digest ${slot}`);
}

export function nameTaken(name: string): StoreValidationError {
  return new StoreValidationError(
    `Invalid digest settings: this server already has a digest called "${name}"`,
  );
}

/** Which digest a patch addresses when it has no slot: by name, else the server's first. */
export function patchAddressesByName(patch: GuildDigestPatch): boolean {
  return patch.slot === undefined && patch.name !== undefined;
}

/** A database migrated by a newer Broadsheet: this build refuses to open it. */
export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
}

export function newerSchemaError(version: number, known: number): SchemaTooNewError {
  return new SchemaTooNewError(
    `The database schema is version ${version}, newer than this build knows (${known}); ` +
      'run a newer Broadsheet or restore a backup.',
  );
}
