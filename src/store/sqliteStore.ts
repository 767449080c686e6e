import fs from 'node:fs';
import path from 'node:path';

import Database from 'better-sqlite3';

import { MIGRATIONS } from './migrations.ts';
import { parsePauseReason, storeReason } from './reasons.ts';
import {
  ID_COLUMN,
  mergeGuildPatch,
  nameTaken,
  newerSchemaError,
  noSuchSlot,
  patchAddressesByName,
  tableOf,
  toGuildDigest,
  toRun,
  toSubscription,
  toVote,
  type GuildRow,
  type VoteRow,
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
  type SentArticle,
  type SentHistory,
  type Store,
  type StoredVote,
  type Subscription,
  type SubscriptionInput,
} from './types.ts';
import { subscriptionSchema, validate, voteSchema } from './validation.ts';

export const DATABASE_FILE_NAME = 'broadsheet.db';

function prepareScheduleStatements(db: Database.Database, table: ScheduleTable) {
  const id = ID_COLUMN[table];
  return {
    setNextDueAt: db.prepare<[number, string | number, number | null], void>(
      `UPDATE ${table} SET next_due_at = ? WHERE ${id} = ? AND next_due_at IS ?`,
    ),
    setPaused: db.prepare<{ id: string | number; paused: number; reason: string | null; now: number }, void>(
      `UPDATE ${table} SET paused = @paused, pause_reason = @reason, updated_at = @now,
         consecutive_failures = CASE WHEN @paused = 0 THEN 0 ELSE consecutive_failures END,
         next_due_at = CASE WHEN @paused = 0 THEN NULL ELSE next_due_at END
       WHERE ${id} = @id`,
    ),
    advanceLastDigest: db.prepare<{ id: string | number; windowEnd: number; resetFailures: number }, void>(
      `UPDATE ${table} SET last_digest_at = max(coalesce(last_digest_at, @windowEnd), @windowEnd),
         consecutive_failures = CASE WHEN @resetFailures = 1 THEN 0 ELSE consecutive_failures END
       WHERE ${id} = @id`,
    ),
    countFailure: db.prepare<[string | number], void>(
      `UPDATE ${table} SET consecutive_failures = consecutive_failures + 1 WHERE ${id} = ?`,
    ),
    pause: db.prepare<{ id: string | number; reason: string; now: number }, void>(
      `UPDATE ${table} SET paused = 1, pause_reason = @reason, updated_at = @now WHERE ${id} = @id`,
    ),
    status: db.prepare<
      [string | number],
      Pick<ScheduleRow, 'paused' | 'pause_reason' | 'consecutive_failures'>
    >(`SELECT paused, pause_reason, consecutive_failures FROM ${table} WHERE ${id} = ?`),
    due: db.prepare<[number, number], ScheduleRow>(
      `SELECT * FROM ${table} WHERE paused = 0 AND next_due_at <= ? ORDER BY next_due_at LIMIT ?`,
    ),
    unscheduled: db.prepare<[number], ScheduleRow>(
      `SELECT * FROM ${table} WHERE paused = 0 AND next_due_at IS NULL LIMIT ?`,
    ),
  };
}

export interface SqliteStoreOptions {
  /** How long a write waits for another connection's lock before failing. */
  busyTimeoutMs?: number;
}

/** The SQLite implementation of `Store`: one file, WAL, migrations at open, prepared statements. */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #schedules: Record<ScheduleTable, ReturnType<typeof prepareScheduleStatements>>;
  readonly #sql;

  /** Opens (creating if needed) `dataDir/broadsheet.db`. */
  static openInDataDir(dataDir: string, options: SqliteStoreOptions = {}): SqliteStore {
    fs.mkdirSync(dataDir, { recursive: true });
    return new SqliteStore(path.join(dataDir, DATABASE_FILE_NAME), options);
  }

  constructor(filename: string, options: SqliteStoreOptions = {}) {
    this.#db = new Database(filename);
    const db = this.#db;
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    db.pragma('foreign_keys = ON');
    // FULL: a committed "posted" must survive power loss too, or a restart would post again.
    db.pragma('synchronous = FULL');
    applyMigrations(db);

    this.#schedules = {
      guild_digests: prepareScheduleStatements(db, 'guild_digests'),
      subscriptions: prepareScheduleStatements(db, 'subscriptions'),
    };
    this.#sql = {
      getGuild: db.prepare<[string, number], GuildRow>(
        'SELECT * FROM guild_digests WHERE guild_id = ? AND slot = ?',
      ),
      findGuild: db.prepare<[string, string], GuildRow>(
        'SELECT * FROM guild_digests WHERE guild_id = ? AND name_key = ?',
      ),
      listGuild: db.prepare<[string], GuildRow>(
        'SELECT * FROM guild_digests WHERE guild_id = ? ORDER BY slot',
      ),
      nextSlot: db.prepare<[string], { slot: number }>(
        'SELECT coalesce(max(slot), 0) + 1 AS slot FROM guild_digests WHERE guild_id = ?',
      ),
      insertGuild: db.prepare(
        `INSERT INTO guild_digests (guild_id, slot, name, name_key, channel_id, delivery, allow_repeats, time,
           time_zone, size, topics, min_quality, mention_role_id, created_at, updated_at)
         VALUES (@guildId, @slot, @name, @nameKey, @channelId, @delivery, @allowRepeats, @time, @timeZone,
           @size, @topics, @minQuality, @mentionRoleId, @now, @now)`,
      ),
      updateGuild: db.prepare(
        `UPDATE guild_digests SET name = @name, name_key = @nameKey, channel_id = @channelId,
           delivery = @delivery, allow_repeats = @allowRepeats, time = @time, time_zone = @timeZone,
           size = @size, topics = @topics, min_quality = @minQuality, mention_role_id = @mentionRoleId,
           updated_at = @now,
           next_due_at = CASE WHEN time = @time AND time_zone = @timeZone THEN next_due_at ELSE NULL END
         WHERE guild_id = @guildId AND slot = @slot`,
      ),
      deleteGuild: db.prepare<[string, number], void>(
        'DELETE FROM guild_digests WHERE guild_id = ? AND slot = ?',
      ),
      saveVote: db.prepare(
        `INSERT INTO feedback_votes (guild_id, user_id, article_id, vote, topics, provider, voted_at)
         VALUES (@guildId, @userId, @articleId, @vote, @topics, @provider, @votedAt)
         ON CONFLICT (guild_id, user_id, article_id) DO UPDATE SET vote = excluded.vote,
           topics = excluded.topics, provider = excluded.provider, voted_at = excluded.voted_at`,
      ),
      getVote: db.prepare<[string, string, string], { vote: number }>(
        'SELECT vote FROM feedback_votes WHERE guild_id = ? AND user_id = ? AND article_id = ?',
      ),
      listVotes: db.prepare<[string, number, number], VoteRow>(
        `SELECT * FROM feedback_votes WHERE guild_id = ? AND voted_at >= ?
         ORDER BY voted_at DESC LIMIT ?`,
      ),
      getSubscription: db.prepare<[number], SubscriptionRow>('SELECT * FROM subscriptions WHERE id = ?'),
      listSubscriptions: db.prepare<[string], SubscriptionRow>(
        'SELECT * FROM subscriptions WHERE user_id = ? ORDER BY topic COLLATE NOCASE',
      ),
      upsertSubscription: db.prepare<Record<string, unknown>, SubscriptionRow>(
        `INSERT INTO subscriptions (user_id, topic, topic_key, time, time_zone, origin_channel_id,
           created_at, updated_at)
         VALUES (@userId, @topic, @topicKey, @time, @timeZone, @originChannelId, @now, @now)
         ON CONFLICT (user_id, topic_key) DO UPDATE SET topic = excluded.topic, time = excluded.time,
           time_zone = excluded.time_zone, origin_channel_id = excluded.origin_channel_id,
           updated_at = excluded.updated_at,
           next_due_at = CASE WHEN time = excluded.time AND time_zone = excluded.time_zone
             THEN next_due_at ELSE NULL END
         RETURNING *`,
      ),
      deleteSubscription: db.prepare<[number], void>('DELETE FROM subscriptions WHERE id = ?'),
      deleteHistory: db.prepare<[string], void>('DELETE FROM sent_articles WHERE target = ?'),
      deleteRuns: db.prepare<[string], void>('DELETE FROM digest_runs WHERE target = ?'),
      insertRun: db.prepare(
        `INSERT INTO digest_runs (target, due_at, state, nonce, window_start, window_end, claimed_at,
           claimed_by, lease_until)
         VALUES (@target, @dueAt, 'claimed', @nonce, @windowStart, @windowEnd, @now, @owner, @leaseUntil)
         ON CONFLICT (target, due_at) DO NOTHING`,
      ),
      insertSkippedRun: db.prepare(
        `INSERT INTO digest_runs (target, due_at, state, nonce, error_reason, claimed_at, finished_at)
         VALUES (@target, @dueAt, 'skipped', @nonce, @reason, @now, @now)
         ON CONFLICT (target, due_at) DO NOTHING`,
      ),
      getRunById: db.prepare<[number], RunRow>('SELECT * FROM digest_runs WHERE id = ?'),
      getRun: db.prepare<[string, number], RunRow>(
        'SELECT * FROM digest_runs WHERE target = ? AND due_at = ?',
      ),
      latestRun: db.prepare<[string], RunRow>(
        'SELECT * FROM digest_runs WHERE target = ? ORDER BY due_at DESC, id DESC LIMIT 1',
      ),
      latestRunInStates: db.prepare<[string, string], RunRow>(
        `SELECT * FROM digest_runs WHERE target = ? AND state IN (SELECT value FROM json_each(?))
         ORDER BY due_at DESC, id DESC LIMIT 1`,
      ),
      interruptedRuns: db.prepare<[number, number], RunRow>(
        `SELECT * FROM digest_runs WHERE state = 'claimed' AND lease_until <= ?
         ORDER BY claimed_at, id LIMIT ?`,
      ),
      takeOver: db.prepare(
        `UPDATE digest_runs SET claimed_by = @owner, lease_until = @leaseUntil
         WHERE id = @runId AND state = 'claimed' AND (claimed_by IS @owner OR lease_until <= @now)`,
      ),
      renewLease: db.prepare(
        `UPDATE digest_runs SET lease_until = @leaseUntil
         WHERE id = @runId AND state = 'claimed' AND claimed_by IS @owner`,
      ),
      prepareRun: db.prepare(
        `UPDATE digest_runs SET channel_id = coalesce(@channelId, channel_id), articles = @articles,
           prepared_body = @content
         WHERE id = @runId AND state = 'claimed' AND claimed_by IS @owner`,
      ),
      markPostStarted: db.prepare(
        `UPDATE digest_runs SET channel_id = coalesce(@channelId, channel_id),
           post_started_at = coalesce(post_started_at, @now)
         WHERE id = @runId AND state = 'claimed' AND claimed_by IS @owner`,
      ),
      // The fence: the owner finishes its own claim; anyone else only a claim whose lease lapsed.
      finishRun: db.prepare(
        `UPDATE digest_runs SET state = @state, channel_id = coalesce(@channelId, channel_id),
           message_id = @messageId, error_reason = @reason, finished_at = @now
         WHERE id = @runId AND state = 'claimed'
           AND (CASE WHEN @owner IS NULL THEN lease_until <= @now ELSE claimed_by IS @owner END)`,
      ),
      insertSent: db.prepare(
        `INSERT INTO sent_articles (target, article_id, story_id, sent_at, run_id)
         VALUES (@target, @articleId, @storyId, @now, @runId)
         ON CONFLICT (target, article_id) DO NOTHING`,
      ),
      sentArticles: db.prepare<[string], { article_id: string; story_id: string }>(
        'SELECT article_id, story_id FROM sent_articles WHERE target = ?',
      ),
    };
  }

  async getGuildDigest(guildId: string, slot = 1): Promise<GuildDigestSettings | null> {
    const row = this.#sql.getGuild.get(guildId, slot);
    return row ? toGuildDigest(row) : null;
  }

  async findGuildDigest(guildId: string, name: string): Promise<GuildDigestSettings | null> {
    const row = this.#sql.findGuild.get(guildId, digestNameKey(name));
    return row ? toGuildDigest(row) : null;
  }

  async listGuildDigests(guildId: string): Promise<GuildDigestSettings[]> {
    return this.#sql.listGuild.all(guildId).map(toGuildDigest);
  }

  async saveGuildDigest(patch: GuildDigestPatch, now: number): Promise<GuildDigestSettings> {
    return this.#db
      .transaction(() => {
        const existing = patchAddressesByName(patch)
          ? this.#sql.findGuild.get(patch.guildId, digestNameKey(patch.name!))
          : this.#sql.getGuild.get(patch.guildId, patch.slot ?? 1);
        if (!existing && patch.slot !== undefined && patch.slot !== 1) throw noSuchSlot(patch.slot);
        const current = existing ? toGuildDigest(existing) : undefined;
        const merged = mergeGuildPatch(current, patch);
        const slot =
          current?.slot ?? (patchAddressesByName(patch) ? this.#sql.nextSlot.get(patch.guildId)!.slot : 1);
        const clash = this.#sql.findGuild.get(patch.guildId, merged.nameKey);
        if (clash && clash.slot !== slot) throw nameTaken(merged.name);
        const params = {
          ...merged,
          slot,
          allowRepeats: merged.allowRepeats ? 1 : 0,
          topics: JSON.stringify(merged.topics),
          now,
        };
        if (current) this.#sql.updateGuild.run(params);
        else this.#sql.insertGuild.run(params);
        return toGuildDigest(this.#sql.getGuild.get(patch.guildId, slot)!);
      })
      .immediate();
  }

  async setGuildDigestPaused(
    guildId: string,
    paused: boolean,
    reason: PauseReason | null,
    now: number,
    slot = 1,
  ): Promise<GuildDigestSettings | null> {
    this.#schedules.guild_digests.setPaused.run({
      id: targetKey(guildDigestRef(guildId, slot)),
      paused: paused ? 1 : 0,
      reason: storeReason(reason),
      now,
    });
    return this.getGuildDigest(guildId, slot);
  }

  async deleteGuildDigest(guildId: string, slot = 1): Promise<boolean> {
    const key = targetKey(guildDigestRef(guildId, slot));
    return this.#db
      .transaction(() => {
        this.#sql.deleteHistory.run(key);
        this.#sql.deleteRuns.run(key);
        return this.#sql.deleteGuild.run(guildId, slot).changes > 0;
      })
      .immediate();
  }

  async saveSubscription(input: SubscriptionInput, now: number): Promise<Subscription> {
    const valid = validate(subscriptionSchema, input, 'subscription');
    return toSubscription(this.#sql.upsertSubscription.get({ ...valid, now })!);
  }

  async getSubscription(id: number): Promise<Subscription | null> {
    const row = this.#sql.getSubscription.get(id);
    return row ? toSubscription(row) : null;
  }

  async listSubscriptions(userId: string): Promise<Subscription[]> {
    return this.#sql.listSubscriptions.all(userId).map(toSubscription);
  }

  async setSubscriptionPaused(
    id: number,
    paused: boolean,
    reason: PauseReason | null,
    now: number,
  ): Promise<Subscription | null> {
    this.#schedules.subscriptions.setPaused.run({
      id,
      paused: paused ? 1 : 0,
      reason: storeReason(reason),
      now,
    });
    return this.getSubscription(id);
  }

  async deleteSubscription(id: number): Promise<boolean> {
    const key = targetKey({ kind: 'subscription', subscriptionId: id });
    return this.#db
      .transaction(() => {
        this.#sql.deleteHistory.run(key);
        this.#sql.deleteRuns.run(key);
        return this.#sql.deleteSubscription.run(id).changes > 0;
      })
      .immediate();
  }

  async getTarget(ref: DigestTargetRef): Promise<DigestTargetSettings | null> {
    return ref.kind === 'guild'
      ? this.getGuildDigest(ref.guildId, ref.slot)
      : this.getSubscription(ref.subscriptionId);
  }

  async listDueTargets(now: number, limit: number): Promise<DigestTargetSettings[]> {
    const guilds = (this.#schedules.guild_digests.due.all(now, limit) as GuildRow[]).map(toGuildDigest);
    const subscriptions = (this.#schedules.subscriptions.due.all(now, limit) as SubscriptionRow[]).map(
      toSubscription,
    );
    return [...guilds, ...subscriptions].sort((a, b) => a.nextDueAt! - b.nextDueAt!).slice(0, limit);
  }

  async listUnscheduledTargets(limit: number): Promise<DigestTargetSettings[]> {
    const guilds = (this.#schedules.guild_digests.unscheduled.all(limit) as GuildRow[]).map(toGuildDigest);
    const subscriptions = (this.#schedules.subscriptions.unscheduled.all(limit) as SubscriptionRow[]).map(
      toSubscription,
    );
    return [...guilds, ...subscriptions].slice(0, limit);
  }

  async setNextDueAt(ref: DigestTargetRef, nextDueAt: number, expected: number | null): Promise<boolean> {
    const { table, id } = tableOf(ref);
    return this.#schedules[table].setNextDueAt.run(nextDueAt, id, expected).changes > 0;
  }

  async claimRun(claim: RunClaim): Promise<ClaimResult> {
    const key = targetKey(claim.target);
    const { owner, leaseUntil, now } = claim;
    // IMMEDIATE: the write lock is taken first, so two processes on one file claim one after the other.
    return this.#db
      .transaction((): ClaimResult => {
        if (this.#sql.insertRun.run({ ...claim, target: key }).changes > 0) {
          return {
            run: toRun(this.#sql.getRun.get(key, claim.dueAt)!),
            created: true,
            acquired: true,
            takenOverFrom: null,
          };
        }
        const existing = this.#sql.getRun.get(key, claim.dueAt)!;
        const acquired = this.#sql.takeOver.run({ runId: existing.id, owner, leaseUntil, now }).changes > 0;
        const run = acquired ? toRun(this.#sql.getRun.get(key, claim.dueAt)!) : toRun(existing);
        const takenOverFrom = acquired && existing.claimed_by !== owner ? existing.claimed_by : null;
        return { run, created: false, acquired, takenOverFrom };
      })
      .immediate();
  }

  async renewLease(runId: number, owner: string, leaseUntil: number): Promise<boolean> {
    return this.#sql.renewLease.run({ runId, owner, leaseUntil }).changes > 0;
  }

  async prepareRun(prepared: PreparedRun): Promise<boolean> {
    const articles = JSON.stringify(prepared.articles);
    return this.#sql.prepareRun.run({ ...prepared, articles }).changes > 0;
  }

  async markPostStarted(
    runId: number,
    channelId: string | null,
    now: number,
    owner: string,
  ): Promise<boolean> {
    return this.#sql.markPostStarted.run({ runId, channelId, now, owner }).changes > 0;
  }

  async finishRun(finish: RunFinish): Promise<RunFinishResult> {
    return this.#db
      .transaction((): RunFinishResult => {
        const row = this.#sql.getRunById.get(finish.runId);
        if (!row) throw new Error(`No digest run ${finish.runId}`);
        const { table, id } = tableOf(parseTargetKey(row.target));
        const schedule = this.#schedules[table];
        const applied =
          this.#sql.finishRun.run({
            runId: finish.runId,
            state: finish.state,
            channelId: finish.state === 'posted' ? finish.channelId : null,
            messageId: finish.state === 'posted' ? finish.messageId : null,
            reason: finish.state === 'empty' ? null : storeReason(finish.problem ?? null),
            now: finish.now,
            owner: finish.owner ?? null,
          }).changes > 0;

        if (applied && (finish.state === 'posted' || finish.state === 'empty') && row.window_end !== null) {
          schedule.advanceLastDigest.run({
            id,
            windowEnd: row.window_end,
            resetFailures: finish.state === 'posted' ? 1 : 0,
          });
        }
        if (applied && finish.state === 'posted') {
          for (const article of JSON.parse(row.articles) as SentArticle[]) {
            this.#sql.insertSent.run({ target: row.target, ...article, now: finish.now, runId: row.id });
          }
        }
        if (applied && finish.state === 'failed') {
          if (finish.countsTowardPause) schedule.countFailure.run(id);
          const failures = schedule.status.get(id)?.consecutive_failures ?? 0;
          if (finish.pauseNow !== undefined) {
            schedule.pause.run({ id, reason: storeReason(finish.pauseNow)!, now: finish.now });
          } else if (finish.countsTowardPause && failures >= finish.pauseAfter) {
            schedule.pause.run({ id, reason: storeReason(finish.pauseReason)!, now: finish.now });
          }
        }
        const status = schedule.status.get(id);
        return {
          applied,
          consecutiveFailures: status?.consecutive_failures ?? 0,
          paused: status?.paused === 1,
          pauseReason: parsePauseReason(status?.pause_reason ?? null),
        };
      })
      .immediate();
  }

  async recordSkippedRun(
    ref: DigestTargetRef,
    dueAt: number,
    nonce: string,
    problem: RunProblem,
    now: number,
  ): Promise<boolean> {
    const reason = storeReason(problem);
    return this.#sql.insertSkippedRun.run({ target: targetKey(ref), dueAt, nonce, reason, now }).changes > 0;
  }

  async listInterruptedRuns(now: number, limit: number): Promise<DigestRun[]> {
    return this.#sql.interruptedRuns.all(now, limit).map(toRun);
  }

  async getRun(ref: DigestTargetRef, dueAt: number): Promise<DigestRun | null> {
    const row = this.#sql.getRun.get(targetKey(ref), dueAt);
    return row ? toRun(row) : null;
  }

  async latestRun(ref: DigestTargetRef, states?: readonly RunState[]): Promise<DigestRun | null> {
    const row = states
      ? this.#sql.latestRunInStates.get(targetKey(ref), JSON.stringify(states))
      : this.#sql.latestRun.get(targetKey(ref));
    return row ? toRun(row) : null;
  }

  async sentArticles(ref: DigestTargetRef): Promise<SentHistory> {
    const history: SentHistory = { articleIds: new Set(), storyIds: new Set() };
    for (const row of this.#sql.sentArticles.all(targetKey(ref))) {
      history.articleIds.add(row.article_id);
      history.storyIds.add(row.story_id);
    }
    return history;
  }

  async saveVote(vote: StoredVote): Promise<{ previous: 1 | -1 | null }> {
    const valid = validate(voteSchema, vote, 'vote');
    return this.#db
      .transaction(() => {
        const previous = this.#sql.getVote.get(valid.guildId, valid.userId, valid.articleId);
        this.#sql.saveVote.run({ ...valid, topics: JSON.stringify(valid.topics) });
        return { previous: previous ? (previous.vote > 0 ? 1 : -1) : null } as const;
      })
      .immediate();
  }

  async listVotes(guildId: string, since: number, limit: number): Promise<StoredVote[]> {
    return this.#sql.listVotes.all(guildId, since, limit).map(toVote);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

function applyMigrations(db: Database.Database): void {
  // IMMEDIATE takes the write lock first, so two processes opening a new file migrate it once.
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) throw newerSchemaError(version, MIGRATIONS.length);
    MIGRATIONS.slice(version).forEach((sql, index) => {
      db.exec(sql);
      db.pragma(`user_version = ${version + index + 1}`);
    });
  }).immediate();
}
