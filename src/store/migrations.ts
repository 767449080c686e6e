/**
 * SQLite schema migrations, applied in order at open; `PRAGMA user_version` records how many have run.
 * Append only: never edit a migration that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE guild_digests (
    guild_id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    time TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 5 CHECK (size BETWEEN 1 AND 10),
    topics TEXT NOT NULL DEFAULT '[]',
    min_quality INTEGER CHECK (min_quality IS NULL OR min_quality BETWEEN 0 AND 100),
    mention_role_id TEXT,
    paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    pause_reason TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_due_at INTEGER,
    last_digest_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX guild_digests_due ON guild_digests (next_due_at) WHERE paused = 0;

  CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    topic_key TEXT NOT NULL,
    time TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    origin_channel_id TEXT NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    pause_reason TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_due_at INTEGER,
    last_digest_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (user_id, topic_key)
  ) STRICT;
  CREATE INDEX subscriptions_due ON subscriptions (next_due_at) WHERE paused = 0;

  -- target is 'guild:<id>' or 'subscription:<id>'; UNIQUE(target, due_at) makes a claim happen once.
  CREATE TABLE digest_runs (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'posted', 'failed', 'empty', 'skipped')),
    nonce TEXT NOT NULL CHECK (length(nonce) <= 25),
    window_start INTEGER,
    window_end INTEGER,
    channel_id TEXT,
    message_id TEXT,
    articles TEXT NOT NULL DEFAULT '[]',
    prepared_body TEXT,
    error_reason TEXT,
    claimed_at INTEGER NOT NULL,
    post_started_at INTEGER,
    finished_at INTEGER,
    UNIQUE (target, due_at)
  ) STRICT;
  CREATE INDEX digest_runs_claimed ON digest_runs (claimed_at) WHERE state = 'claimed';

  CREATE TABLE sent_articles (
    target TEXT NOT NULL,
    article_id TEXT NOT NULL,
    story_id TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    run_id INTEGER REFERENCES digest_runs (id) ON DELETE CASCADE,
    PRIMARY KEY (target, article_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX sent_articles_run ON sent_articles (run_id);
  `,
  // 2: reasons become data. Plain-text reasons from version 1 are wrapped as { kind: 'text' }, except the two
  // that held markup or can be told apart, which become their typed form (ids, no mentions).
  `
  UPDATE guild_digests SET pause_reason = CASE
      WHEN pause_reason GLOB 'Paused by <@[0-9]*> with /digest-settings pause.'
        THEN json_object('kind', 'paused-by-user', 'userId',
          substr(pause_reason, 13, length(pause_reason) - 12 - length('> with /digest-settings pause.')))
      ELSE json_object('kind', 'text', 'text', pause_reason)
    END
  WHERE pause_reason IS NOT NULL
    AND coalesce(CASE WHEN json_valid(pause_reason) THEN json_type(pause_reason) END, '') <> 'object';

  UPDATE subscriptions SET pause_reason = CASE
      WHEN pause_reason = 'Your direct messages are closed to the bot.'
        THEN json_object('kind', 'dms-closed', 'userId', user_id)
      ELSE json_object('kind', 'text', 'text', pause_reason)
    END
  WHERE pause_reason IS NOT NULL
    AND coalesce(CASE WHEN json_valid(pause_reason) THEN json_type(pause_reason) END, '') <> 'object';

  UPDATE digest_runs SET error_reason = json_object('kind', 'text', 'text', error_reason)
  WHERE error_reason IS NOT NULL
    AND coalesce(CASE WHEN json_valid(error_reason) THEN json_type(error_reason) END, '') <> 'object';
  `,
  // 3: claims held by a process with a lease, so several processes can share the database: a run whose
  // owner stops renewing its lease is taken over once it lapses. Runs left claimed by an older build have
  // no owner and a lapsed lease, so they resume at the next start as before.
  `
  ALTER TABLE digest_runs ADD COLUMN claimed_by TEXT;
  ALTER TABLE digest_runs ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
  DROP INDEX digest_runs_claimed;
  CREATE INDEX digest_runs_lease ON digest_runs (lease_until) WHERE state = 'claimed';
  `,
  // 4: several digests per server. A server's digests are numbered by `slot`; the existing digest becomes
  // slot 1, named "daily", and keeps its target key `guild:<id>` (target_key, generated), so its runs and
  // sent history carry over as they are. Feedback votes: one per server, user and article.
  `
  CREATE TABLE guild_digests_v4 (
    guild_id TEXT NOT NULL,
    slot INTEGER NOT NULL DEFAULT 1 CHECK (slot >= 1),
    name TEXT NOT NULL DEFAULT 'daily',
    name_key TEXT NOT NULL DEFAULT 'daily',
    target_key TEXT NOT NULL
      GENERATED ALWAYS AS ('guild:' || guild_id || CASE WHEN slot = 1 THEN '' ELSE ':' || slot END) STORED,
    channel_id TEXT NOT NULL,
    delivery TEXT NOT NULL DEFAULT 'message' CHECK (delivery IN ('message', 'thread', 'forum')),
    allow_repeats INTEGER NOT NULL DEFAULT 0 CHECK (allow_repeats IN (0, 1)),
    time TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 5 CHECK (size BETWEEN 1 AND 10),
    topics TEXT NOT NULL DEFAULT '[]',
    min_quality INTEGER CHECK (min_quality IS NULL OR min_quality BETWEEN 0 AND 100),
    mention_role_id TEXT,
    paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    pause_reason TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_due_at INTEGER,
    last_digest_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, slot),
    UNIQUE (guild_id, name_key)
  ) STRICT;
  INSERT INTO guild_digests_v4 (guild_id, channel_id, time, time_zone, size, topics, min_quality,
      mention_role_id, paused, pause_reason, consecutive_failures, next_due_at, last_digest_at, created_at,
      updated_at)
    SELECT guild_id, channel_id, time, time_zone, size, topics, min_quality, mention_role_id, paused,
      pause_reason, consecutive_failures, next_due_at, last_digest_at, created_at, updated_at
    FROM guild_digests;
  DROP TABLE guild_digests;
  ALTER TABLE guild_digests_v4 RENAME TO guild_digests;
  CREATE UNIQUE INDEX guild_digests_target ON guild_digests (target_key);
  CREATE INDEX guild_digests_due ON guild_digests (next_due_at) WHERE paused = 0;

  CREATE TABLE feedback_votes (
    guild_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    topics TEXT NOT NULL DEFAULT '[]',
    provider TEXT NOT NULL DEFAULT '',
    voted_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, article_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX feedback_votes_guild ON feedback_votes (guild_id, voted_at);
  `,
];
