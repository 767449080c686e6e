import type { PauseReason, RunProblem } from './reasons.ts';

export type { PauseReason, RunProblem } from './reasons.ts';

/**
 * The persistence seam. Everything the app keeps between restarts goes through `Store`; nothing else
 * touches SQL. Methods are async and each one is a single unit of work (one transaction), so a Postgres
 * implementation can follow without changing callers.
 */

/** Fields every scheduled digest has, whether it goes to a server channel or to a user's DMs. */
export interface ScheduleFields {
  /** Local wall-clock time, `HH:MM`. */
  time: string;
  /** Canonical IANA zone. */
  timeZone: string;
  paused: boolean;
  /** Why it is paused, as data (ids, not mentions); null when running or paused without a reason. */
  pauseReason: PauseReason | null;
  consecutiveFailures: number;
  /** Next instant the digest is due (ms); null until the scheduler computes it. */
  nextDueAt: number | null;
  /** End of the window the last digest covered; the next digest starts here. */
  lastDigestAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** How a server digest is posted: one message, a thread started from that message, or a forum post. */
export const DELIVERY_MODES = ['message', 'thread', 'forum'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/** The name a server's first digest gets when it was made without one (and every digest from before names). */
export const DEFAULT_DIGEST_NAME = 'daily';

export interface GuildDigestSettings extends ScheduleFields {
  kind: 'guild';
  guildId: string;
  /**
   * The digest's number in its server, from 1. Slot 1 keeps the target key `guild:<id>` that the single
   * digest of earlier versions used, so its runs and history carry over untouched.
   */
  slot: number;
  /** Unique in the server, case-insensitively; how commands name it. */
  name: string;
  /** The text or announcement channel (message, thread) or forum channel (forum) it posts in. */
  channelId: string;
  delivery: DeliveryMode;
  /**
   * May repeat an article another digest of this server already posted, when their topics overlap.
   * Default false: an article is posted once per server.
   */
  allowRepeats: boolean;
  /** Articles per digest, 1–10. */
  size: number;
  /** Topic names or keys; empty means every topic. */
  topics: string[];
  /** 0–100, or null for no minimum. */
  minQuality: number | null;
  /** Role to mention when posting, or null. */
  mentionRoleId: string | null;
}

export interface Subscription extends ScheduleFields {
  kind: 'subscription';
  id: number;
  userId: string;
  /** Display form of the topic. */
  topic: string;
  /** Normalised key of the topic; one subscription per user and key. */
  topicKey: string;
  /** Where the user subscribed, so they can be told there if their DMs are closed. */
  originChannelId: string;
}

export type DigestTargetSettings = GuildDigestSettings | Subscription;

/** A server digest by its server and slot (no slot: the server's first digest, slot 1). */
export type DigestTargetRef =
  { kind: 'guild'; guildId: string; slot?: number } | { kind: 'subscription'; subscriptionId: number };

/**
 * Changes to a server digest. Which one: `slot` when given (then `name` renames it), else the one called
 * `name` (created when there is none), else the server's first digest (slot 1, created as "daily").
 * Creating one needs channelId, time and timeZone; the rest has defaults.
 */
export interface GuildDigestPatch {
  guildId: string;
  slot?: number;
  name?: string;
  delivery?: DeliveryMode;
  allowRepeats?: boolean;
  channelId?: string;
  time?: string;
  timeZone?: string;
  size?: number;
  topics?: string[];
  minQuality?: number | null;
  mentionRoleId?: string | null;
}

export interface SubscriptionInput {
  userId: string;
  topic: string;
  topicKey: string;
  time: string;
  timeZone: string;
  originChannelId: string;
}

export type RunState = 'claimed' | 'posted' | 'failed' | 'empty' | 'skipped';

export interface SentArticle {
  articleId: string;
  storyId: string;
}

export interface DigestRun {
  id: number;
  target: DigestTargetRef;
  dueAt: number;
  state: RunState;
  /** Deterministic per target and due time; Discord dedupes repeated posts by it. */
  nonce: string;
  /** The [windowStart, windowEnd) the digest covers; null for skipped runs. */
  windowStart: number | null;
  windowEnd: number | null;
  channelId: string | null;
  messageId: string | null;
  /** The selection, recorded before posting so a resumed run posts the same message. */
  articles: SentArticle[];
  /** The digest content (JSON, data only, no markup) to deliver, recorded with the selection. */
  preparedContent: string | null;
  /** Why the run failed or was skipped. */
  problem: RunProblem | null;
  claimedAt: number;
  postStartedAt: number | null;
  finishedAt: number | null;
  /** The process holding (or last holding) the claim; null for runs recorded without one. */
  claimedBy: string | null;
  /** While `claimed`, the claim holds until then unless its owner renews it; after, another may take over. */
  leaseUntil: number;
}

export interface RunClaim {
  target: DigestTargetRef;
  dueAt: number;
  nonce: string;
  windowStart: number;
  windowEnd: number;
  now: number;
  /** The claiming process, e.g. `host:pid:random` (see `claimOwnerId` in src/digest/lease.ts). */
  owner: string;
  /** The claim lapses then unless renewed (`renewLease`). */
  leaseUntil: number;
}

export interface ClaimResult {
  run: DigestRun;
  /** False when the run already existed (finished, or claimed before). */
  created: boolean;
  /**
   * True when the caller holds the claim now: it created the run, took over a claim whose lease had
   * lapsed by `now`, or already held it. False when the run is finished or another process holds a live
   * claim. Exactly one of several concurrent callers acquires a run.
   */
  acquired: boolean;
  /** The owner of the lapsed claim taken over; null when nothing was taken over. */
  takenOverFrom: string | null;
}

export interface PreparedRun {
  runId: number;
  /** The claim holder; nothing is written if it no longer holds the claim. */
  owner: string;
  channelId: string | null;
  articles: SentArticle[];
  /** The content to deliver, serialised by the digest module; the store keeps it as it is. */
  content: string;
}

/**
 * Who may finish a claimed run: its owner, whose claim still stands; without `owner`, anyone, but only
 * once the claim's lease has lapsed by `now` (a process recording that a dead process's run is skipped).
 */
export interface RunFinishFence {
  owner?: string;
}

export type RunFinish = RunFinishFence &
  (
    | {
        runId: number;
        state: 'posted';
        channelId: string;
        messageId: string;
        /** Posted, but not all of it (e.g. its thread could not be started): shown with the run. */
        problem?: RunProblem;
        now: number;
      }
    | { runId: number; state: 'empty'; now: number }
    | { runId: number; state: 'skipped'; problem: RunProblem; now: number }
    | {
        runId: number;
        state: 'failed';
        problem: RunProblem;
        /** Final failures (Discord refused) count toward pausing; transient ones (outage) do not. */
        countsTowardPause: boolean;
        /** Pause once this many consecutive counted failures are reached, with `pauseReason`. */
        pauseAfter: number;
        pauseReason: PauseReason;
        /** Pause now with this reason, whatever the count (e.g. the user closed their DMs). */
        pauseNow?: PauseReason;
        now: number;
      }
  );

export interface RunFinishResult {
  /**
   * False when nothing was written: the run was not `claimed` any more (someone else finished it), or the
   * fence did not hold (another process owns the claim now, or its lease has not lapsed).
   */
  applied: boolean;
  consecutiveFailures: number;
  paused: boolean;
  pauseReason: PauseReason | null;
}

export interface SentHistory {
  articleIds: Set<string>;
  storyIds: Set<string>;
}

/** One reader's 👍 (1) or 👎 (-1) on an article, in one server; topics and provider as when voted. */
export interface StoredVote {
  guildId: string;
  userId: string;
  articleId: string;
  vote: 1 | -1;
  topics: string[];
  provider: string;
  votedAt: number;
}

export interface Store {
  /** The server's digest in that slot (default its first). */
  getGuildDigest(guildId: string, slot?: number): Promise<GuildDigestSettings | null>;
  /** The server's digest called `name`, case-insensitively. */
  findGuildDigest(guildId: string, name: string): Promise<GuildDigestSettings | null>;
  /** Every digest of the server, by slot. */
  listGuildDigests(guildId: string): Promise<GuildDigestSettings[]>;
  /** Creates or updates (see `GuildDigestPatch`); a changed time or zone clears nextDueAt. */
  saveGuildDigest(patch: GuildDigestPatch, now: number): Promise<GuildDigestSettings>;
  /** Resuming clears the failure count and nextDueAt (runs missed while paused are not caught up). */
  setGuildDigestPaused(
    guildId: string,
    paused: boolean,
    reason: PauseReason | null,
    now: number,
    slot?: number,
  ): Promise<GuildDigestSettings | null>;
  /** Removes that digest's settings, runs and history (default slot 1). */
  deleteGuildDigest(guildId: string, slot?: number): Promise<boolean>;

  /** Creates or updates the user's subscription to that topic key. */
  saveSubscription(input: SubscriptionInput, now: number): Promise<Subscription>;
  getSubscription(id: number): Promise<Subscription | null>;
  listSubscriptions(userId: string): Promise<Subscription[]>;
  setSubscriptionPaused(
    id: number,
    paused: boolean,
    reason: PauseReason | null,
    now: number,
  ): Promise<Subscription | null>;
  /** Removes the subscription and its history. */
  deleteSubscription(id: number): Promise<boolean>;

  getTarget(ref: DigestTargetRef): Promise<DigestTargetSettings | null>;
  /** Unpaused targets with nextDueAt <= now, earliest first. */
  listDueTargets(now: number, limit: number): Promise<DigestTargetSettings[]>;
  /** Unpaused targets whose nextDueAt has not been computed yet. */
  listUnscheduledTargets(limit: number): Promise<DigestTargetSettings[]>;
  /** Sets nextDueAt only if it still equals `expected` (a settings change in between wins). */
  setNextDueAt(ref: DigestTargetRef, nextDueAt: number, expected: number | null): Promise<boolean>;

  /**
   * Inserts the run as `claimed` by `owner`, or returns the existing run for that target and due time,
   * taking its claim over when the claim's lease lapsed (see `ClaimResult.acquired`). Safe across processes.
   */
  claimRun(claim: RunClaim): Promise<ClaimResult>;
  /** Extends the owner's claim to `leaseUntil`. False when the owner no longer holds it (taken over, finished). */
  renewLease(runId: number, owner: string, leaseUntil: number): Promise<boolean>;
  /** Records the selection and content. False (nothing written) when `owner` no longer holds the claim. */
  prepareRun(prepared: PreparedRun): Promise<boolean>;
  /**
   * From here on a post may reach Discord. The channel is null when it is not known yet (a DM to open).
   * False (nothing written, do not post) when `owner` no longer holds the claim.
   */
  markPostStarted(runId: number, channelId: string | null, now: number, owner: string): Promise<boolean>;
  /**
   * Moves a claimed run to its final state in one transaction: a posted run records the message, the
   * sent articles and advances lastDigestAt; a failed one updates the failure count and may pause.
   */
  finishRun(finish: RunFinish): Promise<RunFinishResult>;
  /** Records a due time that was not run (bot offline too long). False if a run already existed. */
  recordSkippedRun(
    ref: DigestTargetRef,
    dueAt: number,
    nonce: string,
    problem: RunProblem,
    now: number,
  ): Promise<boolean>;
  /** Runs left `claimed` whose lease lapsed by `now` (their process stopped or hangs), oldest first. */
  listInterruptedRuns(now: number, limit: number): Promise<DigestRun[]>;
  getRun(ref: DigestTargetRef, dueAt: number): Promise<DigestRun | null>;
  /** The run with the latest due time, optionally only in the given states. */
  latestRun(ref: DigestTargetRef, states?: readonly RunState[]): Promise<DigestRun | null>;
  sentArticles(ref: DigestTargetRef): Promise<SentHistory>;

  /** Records (or changes) the user's vote on the article; returns the vote it replaced, if any. */
  saveVote(vote: StoredVote): Promise<{ previous: 1 | -1 | null }>;
  /** The server's votes cast at or after `since`, newest first, at most `limit`. */
  listVotes(guildId: string, since: number, limit: number): Promise<StoredVote[]>;

  close(): Promise<void>;
}

/**
 * The key runs and history are filed under: `guild:<id>` for a server's first digest (as before there
 * were several), `guild:<id>:<slot>` for the others, `subscription:<id>`.
 */
export function targetKey(ref: DigestTargetRef): string {
  if (ref.kind === 'subscription') return `subscription:${ref.subscriptionId}`;
  const slot = ref.slot ?? 1;
  return slot === 1 ? `guild:${ref.guildId}` : `guild:${ref.guildId}:${slot}`;
}

export function parseTargetKey(key: string): DigestTargetRef {
  const separator = key.indexOf(':');
  const kind = key.slice(0, separator);
  const id = key.slice(separator + 1);
  const guild = /^(\d+)(?::(\d+))?$/.exec(id);
  if (kind === 'guild' && guild) {
    return guild[2] === undefined
      ? { kind: 'guild', guildId: guild[1]! }
      : { kind: 'guild', guildId: guild[1]!, slot: Number(guild[2]) };
  }
  if (kind === 'subscription' && /^\d+$/.test(id))
    return { kind: 'subscription', subscriptionId: Number(id) };
  throw new Error(`Unknown digest target key "${key}"`);
}

export function refOf(target: DigestTargetSettings): DigestTargetRef {
  if (target.kind === 'subscription') return { kind: 'subscription', subscriptionId: target.id };
  return guildDigestRef(target.guildId, target.slot);
}

/** A server digest's ref in its one spelling: slot 1 (the first digest) leaves the slot out. */
export function guildDigestRef(guildId: string, slot = 1): DigestTargetRef {
  return slot === 1 ? { kind: 'guild', guildId } : { kind: 'guild', guildId, slot };
}

/** The key a digest name is unique by in its server: trimmed, spaces collapsed, lower case. */
export function digestNameKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}
