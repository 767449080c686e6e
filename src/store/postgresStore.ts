import pg from 'pg';
import type { Logger } from 'pino';

import { describeDatabaseUrl, redactedError, redactSecrets } from './databaseUrl.ts';
import { POSTGRES_MIGRATIONS } from './postgresMigrations.ts';
import { parsePauseReason, storeReason } from './reasons.ts';
import {
  ID_COLUMN,
  mergeGuildPatch,
  nameTaken,
  newerSchemaError,
  noSuchSlot,
  patchAddressesByName,
  toVote,
  type VoteRow,
  SchemaTooNewError,
  tableOf,
  toGuildDigest,
  toRun,
  toSubscription,
  type GuildRow,
  type RunRow,
  type ScheduleRow,
  type ScheduleTable,
  type SubscriptionRow,
} from './rows.ts';
import {
  digestNameKey,
  guildDigestRef,
  parseTargetKey,
  targetKey,
  type ClaimResult,
  type DigestRun,
  type DigestTargetRef,
  type DigestTargetSettings,
  type GuildDigestPatch,
  type GuildDigestSettings,
  type PauseReason,
  type PreparedRun,
  type RunClaim,
  type RunFinish,
  type RunFinishResult,
  type RunProblem,
  type RunState,
  type SentHistory,
  type Store,
  type StoredVote,
  type Subscription,
  type SubscriptionInput,
} from './types.ts';
import { subscriptionSchema, validate, voteSchema } from './validation.ts';

export interface PostgresStoreOptions {
  logger?: Logger;
  /** Connections kept open; each process needs few (one tick runs a handful of digests at a time). */
  poolSize?: number;
  /** A statement running longer is cancelled (a lock wait or a runaway query must not hang a digest). */
  statementTimeoutMs?: number;
  /** How long opening a connection may take before it fails. */
  connectTimeoutMs?: number;
}

/** The database could not be reached or opened at start; the message names it without credentials. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** Serialises schema migrations across processes starting at once (an arbitrary, fixed key). */
const MIGRATION_LOCK_KEY = 4_207_310_010;
const INT8_OID = 20;
/** The advisory-lock key space of per-server digest writes (the second key is the server's hash). */
const GUILD_LOCK_SPACE = 4_207_310;

/** BIGINT columns (epoch milliseconds, ids) as numbers: they stay far below 2^53. */
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

type Queryable = Pick<pg.PoolClient, 'query'>;

type ScheduleStatus = Pick<ScheduleRow, 'paused' | 'pause_reason' | 'consecutive_failures'>;
const STATUS_COLUMNS = 'paused, pause_reason, consecutive_failures';

/** The pause state of the schedule row (server digest or subscription) a run's target names. */
async function scheduleStatus(client: Queryable, target: string): Promise<ScheduleStatus | undefined> {
  const { table, id } = tableOf(parseTargetKey(target));
  const found = await client.query<ScheduleStatus>(
    `SELECT ${STATUS_COLUMNS} FROM ${table} WHERE ${ID_COLUMN[table]} = $1`,
    [id],
  );
  return found.rows[0];
}

function finishResult(applied: boolean, status: ScheduleStatus | undefined): RunFinishResult {
  return {
    applied,
    consecutiveFailures: status?.consecutive_failures ?? 0,
    paused: status?.paused === true,
    pauseReason: parsePauseReason(status?.pause_reason ?? null),
  };
}

/**
 * The Postgres implementation of `Store`, for several processes sharing one database. Claims of digest
 * runs are safe across processes: a run row is unique per target and due time, and a claim carries its
 * owner and a lease; taking over a lapsed claim is one conditional UPDATE over a row locked with
 * `FOR UPDATE SKIP LOCKED`, so of several processes trying at once exactly one gets it.
 */
export class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  readonly #url: string;
  #closed = false;

  /** Connects, applies pending migrations, and returns the store; `StoreUnavailableError` if it cannot. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const where = describeDatabaseUrl(url);
    const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    try {
      await migrate(url, connectTimeoutMs);
    } catch (error) {
      if (error instanceof SchemaTooNewError) throw error;
      const reason = redactSecrets(error instanceof Error ? error.message : String(error), url);
      throw new StoreUnavailableError(
        `the Postgres database at ${where} could not be opened (${reason}). ` +
          'Check DATABASE_URL (host, port, database, user, password) and that the server is running.',
      );
    }
    return new PostgresStore(url, options);
  }

  private constructor(url: string, options: PostgresStoreOptions) {
    this.#url = url;
    this.#pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 5,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: options.statementTimeoutMs ?? 10_000,
      idle_in_transaction_session_timeout: 60_000,
      application_name: 'broadsheet',
      types: typeParsers,
    });
    const log = options.logger;
    // An idle connection the server drops emits 'error' on the pool; unheard, it would end the process.
    this.#pool.on('error', (error) =>
      log?.warn(
        { err: redactedError(error, url), database: describeDatabaseUrl(url) },
        'a Postgres connection was lost; the pool opens a new one when needed',
      ),
    );
  }

  async getGuildDigest(guildId: string, slot = 1): Promise<GuildDigestSettings | null> {
    const [row] = await this.#rows<GuildRow>(
      'SELECT * FROM guild_digests WHERE guild_id = $1 AND slot = $2',
      [guildId, slot],
    );
    return row ? toGuildDigest(row) : null;
  }

  async findGuildDigest(guildId: string, name: string): Promise<GuildDigestSettings | null> {
    const [row] = await this.#rows<GuildRow>(
      'SELECT * FROM guild_digests WHERE guild_id = $1 AND name_key = $2',
      [guildId, digestNameKey(name)],
    );
    return row ? toGuildDigest(row) : null;
  }

  async listGuildDigests(guildId: string): Promise<GuildDigestSettings[]> {
    const rows = await this.#rows<GuildRow>('SELECT * FROM guild_digests WHERE guild_id = $1 ORDER BY slot', [
      guildId,
    ]);
    return rows.map(toGuildDigest);
  }

  async saveGuildDigest(patch: GuildDigestPatch, now: number): Promise<GuildDigestSettings> {
    return this.#transaction(async (client) => {
      // One writer per server at a time: slots and names are allocated inside this transaction.
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [GUILD_LOCK_SPACE, patch.guildId]);
      const { rows: digests } = await client.query<GuildRow>(
        'SELECT * FROM guild_digests WHERE guild_id = $1 ORDER BY slot',
        [patch.guildId],
      );
      const existing = patchAddressesByName(patch)
        ? digests.find((row) => row.name_key === digestNameKey(patch.name!))
        : digests.find((row) => row.slot === (patch.slot ?? 1));
      if (!existing && patch.slot !== undefined && patch.slot !== 1) throw noSuchSlot(patch.slot);
      const current = existing ? toGuildDigest(existing) : undefined;
      const merged = mergeGuildPatch(current, patch);
      const slot =
        current?.slot ??
        (patchAddressesByName(patch) ? Math.max(0, ...digests.map((row) => row.slot)) + 1 : 1);
      const clash = digests.find((row) => row.name_key === merged.nameKey);
      if (clash && clash.slot !== slot) throw nameTaken(merged.name);
      const saved = await client.query<GuildRow>(
        `INSERT INTO guild_digests (guild_id, slot, name, name_key, channel_id, delivery, allow_repeats, time,
           time_zone, size, topics, min_quality, mention_role_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
         ON CONFLICT (guild_id, slot) DO UPDATE SET name = excluded.name, name_key = excluded.name_key,
           channel_id = excluded.channel_id, delivery = excluded.delivery,
           allow_repeats = excluded.allow_repeats, time = excluded.time,
           time_zone = excluded.time_zone, size = excluded.size, topics = excluded.topics,
           min_quality = excluded.min_quality, mention_role_id = excluded.mention_role_id,
           updated_at = excluded.updated_at,
           next_due_at = CASE
             WHEN guild_digests.time = excluded.time AND guild_digests.time_zone = excluded.time_zone
             THEN guild_digests.next_due_at END
         RETURNING *`,
        [
          merged.guildId,
          slot,
          merged.name,
          merged.nameKey,
          merged.channelId,
          merged.delivery,
          merged.allowRepeats,
          merged.time,
          merged.timeZone,
          merged.size,
          JSON.stringify(merged.topics),
          merged.minQuality,
          merged.mentionRoleId,
          now,
        ],
      );
      return toGuildDigest(saved.rows[0]!);
    });
  }

  async setGuildDigestPaused(
    guildId: string,
    paused: boolean,
    reason: PauseReason | null,
    now: number,
    slot = 1,
  ): Promise<GuildDigestSettings | null> {
    const key = targetKey(guildDigestRef(guildId, slot));
    const [row] = await this.#setPaused<GuildRow>('guild_digests', key, paused, reason, now);
    return row ? toGuildDigest(row) : null;
  }

  async deleteGuildDigest(guildId: string, slot = 1): Promise<boolean> {
    return this.#deleteTarget(guildDigestRef(guildId, slot));
  }

  async saveSubscription(input: SubscriptionInput, now: number): Promise<Subscription> {
    const valid = validate(subscriptionSchema, input, 'subscription');
    const [row] = await this.#rows<SubscriptionRow>(
      `INSERT INTO subscriptions (user_id, topic, topic_key, time, time_zone, origin_channel_id,
         created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
       ON CONFLICT (user_id, topic_key) DO UPDATE SET topic = excluded.topic, time = excluded.time,
         time_zone = excluded.time_zone, origin_channel_id = excluded.origin_channel_id,
         updated_at = excluded.updated_at,
         next_due_at = CASE
           WHEN subscriptions.time = excluded.time AND subscriptions.time_zone = excluded.time_zone
           THEN subscriptions.next_due_at END
       RETURNING *`,
      [valid.userId, valid.topic, valid.topicKey, valid.time, valid.timeZone, valid.originChannelId, now],
    );
    return toSubscription(row!);
  }

  async getSubscription(id: number): Promise<Subscription | null> {
    const [row] = await this.#rows<SubscriptionRow>('SELECT * FROM subscriptions WHERE id = $1', [id]);
    return row ? toSubscription(row) : null;
  }

  async listSubscriptions(userId: string): Promise<Subscription[]> {
    const rows = await this.#rows<SubscriptionRow>(
      'SELECT * FROM subscriptions WHERE user_id = $1 ORDER BY lower(topic), topic',
      [userId],
    );
    return rows.map(toSubscription);
  }

  async setSubscriptionPaused(
    id: number,
    paused: boolean,
    reason: PauseReason | null,
    now: number,
  ): Promise<Subscription | null> {
    const [row] = await this.#setPaused<SubscriptionRow>('subscriptions', id, paused, reason, now);
    return row ? toSubscription(row) : null;
  }

  async deleteSubscription(id: number): Promise<boolean> {
    return this.#deleteTarget({ kind: 'subscription', subscriptionId: id });
  }

  async getTarget(ref: DigestTargetRef): Promise<DigestTargetSettings | null> {
    return ref.kind === 'guild'
      ? this.getGuildDigest(ref.guildId, ref.slot)
      : this.getSubscription(ref.subscriptionId);
  }

  async listDueTargets(now: number, limit: number): Promise<DigestTargetSettings[]> {
    // One statement and one connection for both tables (two queries in parallel held two connections
    // and waited for the slower): each table's earliest rows, as JSON arrays of whole rows.
    const due = (table: ScheduleTable) =>
      `(SELECT coalesce(json_agg(due ORDER BY due.next_due_at), '[]'::json) FROM (
         SELECT * FROM ${table} WHERE NOT paused AND next_due_at <= $1 ORDER BY next_due_at LIMIT $2
       ) AS due)`;
    const [row] = await this.#rows<{ guilds: GuildRow[]; subscriptions: SubscriptionRow[] }>(
      `SELECT ${due('guild_digests')} AS guilds, ${due('subscriptions')} AS subscriptions`,
      [now, limit],
    );
    const { guilds = [], subscriptions = [] } = row ?? {};
    return [...guilds.map(toGuildDigest), ...subscriptions.map(toSubscription)]
      .sort((a, b) => a.nextDueAt! - b.nextDueAt!)
      .slice(0, limit);
  }

  async listUnscheduledTargets(limit: number): Promise<DigestTargetSettings[]> {
    const unscheduled = (table: ScheduleTable) =>
      this.#rows(`SELECT * FROM ${table} WHERE NOT paused AND next_due_at IS NULL LIMIT $1`, [limit]);
    const [guilds, subscriptions] = await Promise.all([
      unscheduled('guild_digests'),
      unscheduled('subscriptions'),
    ]);
    return [
      ...(guilds as GuildRow[]).map(toGuildDigest),
      ...(subscriptions as SubscriptionRow[]).map(toSubscription),
    ].slice(0, limit);
  }

  async setNextDueAt(ref: DigestTargetRef, nextDueAt: number, expected: number | null): Promise<boolean> {
    const { table, id } = tableOf(ref);
    return this.#changed(
      `UPDATE ${table} SET next_due_at = $1
       WHERE ${ID_COLUMN[table]} = $2 AND next_due_at IS NOT DISTINCT FROM $3::bigint`,
      [nextDueAt, id, expected],
    );
  }

  async claimRun(claim: RunClaim): Promise<ClaimResult> {
    const key = targetKey(claim.target);
    const { owner, leaseUntil, now } = claim;
    // Each statement is atomic on its own: a unique insert, then a takeover that skips a row another
    // process has locked (it is taking over or renewing right now) and otherwise re-checks the lease on
    // the row's latest version, then a plain read. A run deleted in between is claimed afresh.
    for (let attempt = 0; attempt < 3; attempt++) {
      const [inserted] = await this.#rows<RunRow>(
        `INSERT INTO digest_runs (target, due_at, state, nonce, window_start, window_end, claimed_at,
           claimed_by, lease_until)
         VALUES ($1, $2, 'claimed', $3, $4, $5, $6, $7, $8)
         ON CONFLICT (target, due_at) DO NOTHING
         RETURNING *`,
        [key, claim.dueAt, claim.nonce, claim.windowStart, claim.windowEnd, now, owner, leaseUntil],
      );
      if (inserted) return { run: toRun(inserted), created: true, acquired: true, takenOverFrom: null };

      const [taken] = await this.#rows<RunRow & { previous_owner: string | null }>(
        `UPDATE digest_runs AS run SET claimed_by = $3, lease_until = $4
         FROM (
           SELECT id, claimed_by FROM digest_runs
           WHERE target = $1 AND due_at = $2 AND state = 'claimed'
             AND (claimed_by IS NOT DISTINCT FROM $3 OR lease_until <= $5)
           FOR UPDATE SKIP LOCKED
         ) AS previous
         WHERE run.id = previous.id
         RETURNING run.*, previous.claimed_by AS previous_owner`,
        [key, claim.dueAt, owner, leaseUntil, now],
      );
      if (taken) {
        const { previous_owner: previousOwner, ...row } = taken;
        const takenOverFrom = previousOwner === owner ? null : previousOwner;
        return { run: toRun(row), created: false, acquired: true, takenOverFrom };
      }

      const [existing] = await this.#rows<RunRow>(
        'SELECT * FROM digest_runs WHERE target = $1 AND due_at = $2',
        [key, claim.dueAt],
      );
      if (existing) return { run: toRun(existing), created: false, acquired: false, takenOverFrom: null };
    }
    throw new Error(`The digest run for ${key} at ${claim.dueAt} kept disappearing while being claimed`);
  }

  async renewLease(runId: number, owner: string, leaseUntil: number): Promise<boolean> {
    return this.#changed(
      `UPDATE digest_runs SET lease_until = $3 WHERE id = $1 AND state = 'claimed' AND claimed_by = $2`,
      [runId, owner, leaseUntil],
    );
  }

  async prepareRun(prepared: PreparedRun): Promise<boolean> {
    return this.#changed(
      `UPDATE digest_runs SET channel_id = coalesce($3, channel_id), articles = $4, prepared_body = $5
       WHERE id = $1 AND state = 'claimed' AND claimed_by = $2`,
      [
        prepared.runId,
        prepared.owner,
        prepared.channelId,
        JSON.stringify(prepared.articles),
        prepared.content,
      ],
    );
  }

  async markPostStarted(
    runId: number,
    channelId: string | null,
    now: number,
    owner: string,
  ): Promise<boolean> {
    return this.#changed(
      `UPDATE digest_runs SET channel_id = coalesce($3, channel_id),
         post_started_at = coalesce(post_started_at, $4)
       WHERE id = $1 AND state = 'claimed' AND claimed_by = $2`,
      [runId, owner, channelId, now],
    );
  }

  async finishRun(finish: RunFinish): Promise<RunFinishResult> {
    // A posted or empty run is finished by #finishDone alone. One its fence stops (a lapsed or foreign
    // claim) changes nothing, so it must not reach the transaction's fence below, which could let it
    // through later without the sent articles and window that only #finishDone writes.
    if (finish.state === 'posted' || finish.state === 'empty') {
      return (await this.#finishDone(finish)) ?? (await this.#unappliedFinish(finish.runId));
    }
    return this.#transaction(async (client): Promise<RunFinishResult> => {
      // The fence: the owner finishes its own claim; anyone else only a claim whose lease lapsed. The
      // UPDATE locks the row, so the rest of the transaction sees it as it leaves it.
      const updated = await client.query<Pick<RunRow, 'target'>>(
        `UPDATE digest_runs SET state = $2, message_id = NULL, error_reason = $3, finished_at = $4
         WHERE id = $1 AND state = 'claimed'
           AND CASE WHEN $5::text IS NULL THEN lease_until <= $4 ELSE claimed_by = $5 END
         RETURNING target`,
        [finish.runId, finish.state, storeReason(finish.problem ?? null), finish.now, finish.owner ?? null],
      );
      const applied = updated.rows.length > 0;
      const row =
        updated.rows[0] ??
        (
          await client.query<Pick<RunRow, 'target'>>('SELECT target FROM digest_runs WHERE id = $1', [
            finish.runId,
          ])
        ).rows[0];
      if (!row) throw new Error(`No digest run ${finish.runId}`);
      const { table, id } = tableOf(parseTargetKey(row.target));
      const idColumn = ID_COLUMN[table];

      let status: ScheduleStatus | undefined;
      if (applied && finish.state === 'failed') {
        const counted = await client.query<ScheduleStatus>(
          `UPDATE ${table} SET consecutive_failures = consecutive_failures + $2
           WHERE ${idColumn} = $1 RETURNING ${STATUS_COLUMNS}`,
          [id, finish.countsTowardPause ? 1 : 0],
        );
        status = counted.rows[0];
        const failures = status?.consecutive_failures ?? 0;
        const pauseWith =
          finish.pauseNow ??
          (finish.countsTowardPause && failures >= finish.pauseAfter ? finish.pauseReason : undefined);
        if (pauseWith !== undefined) {
          const paused = await client.query<ScheduleStatus>(
            `UPDATE ${table} SET paused = true, pause_reason = $2, updated_at = $3
             WHERE ${idColumn} = $1 RETURNING ${STATUS_COLUMNS}`,
            [id, storeReason(pauseWith), finish.now],
          );
          status = paused.rows[0];
        }
      }
      status ??= await scheduleStatus(client, row.target);
      return finishResult(applied, status);
    });
  }

  /**
   * A posted or empty run finished in one statement (one round trip, one commit, where the general
   * path below takes four): the fenced update of the run, the articles recorded as sent (posted only),
   * and the window advanced on whichever schedule row the run's target names. Null when the fence let
   * nothing through (a lapsed or foreign claim).
   */
  async #finishDone(
    finish: Extract<RunFinish, { state: 'posted' | 'empty' }>,
  ): Promise<RunFinishResult | null> {
    type Finished = ScheduleStatus & { applied: boolean };
    const SCHEDULE_SET = `last_digest_at = CASE WHEN run.window_end IS NULL THEN last_digest_at
        ELSE greatest(coalesce(last_digest_at, run.window_end), run.window_end) END,
      consecutive_failures = CASE WHEN run.window_end IS NOT NULL AND $2 = 'posted' THEN 0
        ELSE consecutive_failures END`;
    const [row] = await this.#rows<Finished>(
      `WITH run AS (
         UPDATE digest_runs SET state = $2, channel_id = coalesce($3, channel_id), message_id = $4,
           error_reason = $7, finished_at = $5
         WHERE id = $1 AND state = 'claimed'
           AND CASE WHEN $6::text IS NULL THEN lease_until <= $5 ELSE claimed_by = $6 END
         RETURNING id, target, window_end, articles
       ), sent AS (
         INSERT INTO sent_articles (target, article_id, story_id, sent_at, run_id)
         SELECT run.target, sent."articleId", sent."storyId", $5, run.id
         FROM run, jsonb_to_recordset(CASE WHEN $2 = 'posted' THEN coalesce(run.articles, '[]')::jsonb
           ELSE '[]'::jsonb END) AS sent ("articleId" text, "storyId" text)
         ON CONFLICT (target, article_id) DO NOTHING
       ), guild AS (
         UPDATE guild_digests SET ${SCHEDULE_SET} FROM run WHERE guild_digests.target_key = run.target
         RETURNING paused, pause_reason, consecutive_failures
       ), subscription AS (
         UPDATE subscriptions SET ${SCHEDULE_SET} FROM run
         WHERE run.target LIKE 'subscription:%' AND subscriptions.id = substr(run.target, 14)::bigint
         RETURNING paused, pause_reason, consecutive_failures
       )
       SELECT EXISTS (SELECT 1 FROM run) AS applied, status.*
       FROM (SELECT 1) AS one
       LEFT JOIN (SELECT * FROM guild UNION ALL SELECT * FROM subscription) AS status ON true`,
      [
        finish.runId,
        finish.state,
        finish.state === 'posted' ? finish.channelId : null,
        finish.state === 'posted' ? finish.messageId : null,
        finish.now,
        finish.owner ?? null,
        finish.state === 'posted' ? storeReason(finish.problem ?? null) : null,
      ],
    );
    return row?.applied ? finishResult(true, row) : null;
  }

  /** A finish the fence stopped: nothing written, the run's target's status as it stands. */
  async #unappliedFinish(runId: number): Promise<RunFinishResult> {
    return this.#transaction(async (client) => {
      const run = (
        await client.query<Pick<RunRow, 'target'>>('SELECT target FROM digest_runs WHERE id = $1', [runId])
      ).rows[0];
      if (!run) throw new Error(`No digest run ${runId}`);
      return finishResult(false, await scheduleStatus(client, run.target));
    });
  }

  async recordSkippedRun(
    ref: DigestTargetRef,
    dueAt: number,
    nonce: string,
    problem: RunProblem,
    now: number,
  ): Promise<boolean> {
    return this.#changed(
      `INSERT INTO digest_runs (target, due_at, state, nonce, error_reason, claimed_at, finished_at)
       VALUES ($1, $2, 'skipped', $3, $4, $5, $5)
       ON CONFLICT (target, due_at) DO NOTHING`,
      [targetKey(ref), dueAt, nonce, storeReason(problem), now],
    );
  }

  async listInterruptedRuns(now: number, limit: number): Promise<DigestRun[]> {
    const rows = await this.#rows<RunRow>(
      `SELECT * FROM digest_runs WHERE state = 'claimed' AND lease_until <= $1
       ORDER BY claimed_at, id LIMIT $2`,
      [now, limit],
    );
    return rows.map(toRun);
  }

  async getRun(ref: DigestTargetRef, dueAt: number): Promise<DigestRun | null> {
    const [row] = await this.#rows<RunRow>('SELECT * FROM digest_runs WHERE target = $1 AND due_at = $2', [
      targetKey(ref),
      dueAt,
    ]);
    return row ? toRun(row) : null;
  }

  async latestRun(ref: DigestTargetRef, states?: readonly RunState[]): Promise<DigestRun | null> {
    const [row] = states
      ? await this.#rows<RunRow>(
          `SELECT * FROM digest_runs WHERE target = $1 AND state = ANY ($2::text[])
           ORDER BY due_at DESC, id DESC LIMIT 1`,
          [targetKey(ref), [...states]],
        )
      : await this.#rows<RunRow>(
          'SELECT * FROM digest_runs WHERE target = $1 ORDER BY due_at DESC, id DESC LIMIT 1',
          [targetKey(ref)],
        );
    return row ? toRun(row) : null;
  }

  async sentArticles(ref: DigestTargetRef): Promise<SentHistory> {
    const rows = await this.#rows<{ article_id: string; story_id: string }>(
      'SELECT article_id, story_id FROM sent_articles WHERE target = $1',
      [targetKey(ref)],
    );
    const history: SentHistory = { articleIds: new Set(), storyIds: new Set() };
    for (const row of rows) {
      history.articleIds.add(row.article_id);
      history.storyIds.add(row.story_id);
    }
    return history;
  }

  async saveVote(vote: StoredVote): Promise<{ previous: 1 | -1 | null }> {
    const valid = validate(voteSchema, vote, 'vote');
    // xmax = 0 tells an inserted row from an updated one; the old vote is read in the same statement.
    const [row] = await this.#rows<{ previous: number | null }>(
      `WITH old AS (
         SELECT vote FROM feedback_votes WHERE guild_id = $1 AND user_id = $2 AND article_id = $3
       ), saved AS (
         INSERT INTO feedback_votes (guild_id, user_id, article_id, vote, topics, provider, voted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (guild_id, user_id, article_id) DO UPDATE SET vote = excluded.vote,
           topics = excluded.topics, provider = excluded.provider, voted_at = excluded.voted_at
         RETURNING 1
       )
       SELECT (SELECT vote FROM old) AS previous FROM saved`,
      [
        valid.guildId,
        valid.userId,
        valid.articleId,
        valid.vote,
        JSON.stringify(valid.topics),
        valid.provider,
        valid.votedAt,
      ],
    );
    const previous = row?.previous ?? null;
    return { previous: previous === null ? null : previous > 0 ? 1 : -1 };
  }

  async listVotes(guildId: string, since: number, limit: number): Promise<StoredVote[]> {
    const rows = await this.#rows<VoteRow>(
      `SELECT * FROM feedback_votes WHERE guild_id = $1 AND voted_at >= $2
       ORDER BY voted_at DESC LIMIT $3`,
      [guildId, since, limit],
    );
    return rows.map(toVote);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  async #setPaused<Row extends pg.QueryResultRow>(
    table: ScheduleTable,
    id: string | number,
    paused: boolean,
    reason: PauseReason | null,
    now: number,
  ): Promise<Row[]> {
    return this.#rows<Row>(
      `UPDATE ${table} SET paused = $2, pause_reason = $3, updated_at = $4,
         consecutive_failures = CASE WHEN $2::boolean THEN consecutive_failures ELSE 0 END,
         next_due_at = CASE WHEN $2::boolean THEN next_due_at END
       WHERE ${ID_COLUMN[table]} = $1
       RETURNING *`,
      [id, paused, storeReason(reason), now],
    );
  }

  async #deleteTarget(ref: DigestTargetRef): Promise<boolean> {
    const key = targetKey(ref);
    const { table, id } = tableOf(ref);
    return this.#transaction(async (client) => {
      await client.query('DELETE FROM sent_articles WHERE target = $1', [key]);
      await client.query('DELETE FROM digest_runs WHERE target = $1', [key]);
      const deleted = await client.query(`DELETE FROM ${table} WHERE ${ID_COLUMN[table]} = $1`, [id]);
      return (deleted.rowCount ?? 0) > 0;
    });
  }

  async #rows<Row extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<Row[]> {
    try {
      return (await this.#pool.query<Row>(sql, params)).rows;
    } catch (error) {
      throw this.#safe(error);
    }
  }

  async #changed(sql: string, params: unknown[]): Promise<boolean> {
    try {
      return ((await this.#pool.query(sql, params)).rowCount ?? 0) > 0;
    } catch (error) {
      throw this.#safe(error);
    }
  }

  async #transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.#safe(error);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw this.#safe(error);
    } finally {
      client.release(broken);
    }
  }

  /** The error itself, unless its text carries the URL's password (a driver echoing it): then a copy without. */
  #safe(error: unknown): unknown {
    const text = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
    return redactSecrets(text, this.#url) === text ? error : redactedError(error, this.#url);
  }
}

/** Applies pending migrations on a connection of its own, holding an advisory lock while it does. */
async function migrate(url: string, connectTimeoutMs: number): Promise<void> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: 'broadsheet-migrations',
    types: typeParsers,
  });
  // A refused or dropped connection emits 'error' as well as rejecting; the rejection is what we report.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version INTEGER PRIMARY KEY,
           applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )`,
      );
      const { rows } = await client.query<{ version: number }>(
        'SELECT coalesce(max(version), 0)::integer AS version FROM schema_migrations',
      );
      const version = rows[0]?.version ?? 0;
      if (version > POSTGRES_MIGRATIONS.length) throw newerSchemaError(version, POSTGRES_MIGRATIONS.length);
      for (let next = version; next < POSTGRES_MIGRATIONS.length; next++) {
        await client.query('BEGIN');
        try {
          await client.query(POSTGRES_MIGRATIONS[next]!);
          await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [next + 1]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }
    } finally {
      // Ending the session releases the lock anyway; this only frees it sooner.
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
