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

export interface GuildDigestSettings extends ScheduleFields {
  kind: 'guild';
  guildId: string;
  channelId: string;
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

export type DigestTargetRef =
  { kind: 'guild'; guildId: string } | { kind: 'subscription'; subscriptionId: number };

/** Changes to a server's digest. Creating one needs channelId, time and timeZone; the rest has defaults. */
export interface GuildDigestPatch {
  guildId: string;
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
    | { runId: number; state: 'posted'; channelId: string; messageId: string; now: number }
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

export interface Store {
  getGuildDigest(guildId: string): Promise<GuildDigestSettings | null>;
  /** Creates or updates; a changed time or zone clears nextDueAt so the scheduler recomputes it. */
  saveGuildDigest(patch: GuildDigestPatch, now: number): Promise<GuildDigestSettings>;
  /** Resuming clears the failure count and nextDueAt (runs missed while paused are not caught up). */
  setGuildDigestPaused(
    guildId: string,
    paused: boolean,
    reason: PauseReason | null,
    now: number,
  ): Promise<GuildDigestSettings | null>;
  /** Removes the settings and the server's digest history. */
  deleteGuildDigest(guildId: string): Promise<boolean>;

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

  close(): Promise<void>;
}

/** The key runs and history are filed under: `guild:<id>` or `subscription:<id>`. */
export function targetKey(ref: DigestTargetRef): string {
  return ref.kind === 'guild' ? `guild:${ref.guildId}` : `subscription:${ref.subscriptionId}`;
}

export function parseTargetKey(key: string): DigestTargetRef {
  const separator = key.indexOf(':');
  const kind = key.slice(0, separator);
  const id = key.slice(separator + 1);
  if (kind === 'guild' && id) return { kind: 'guild', guildId: id };
  if (kind === 'subscription' && /^\d+$/.test(id))
    return { kind: 'subscription', subscriptionId: Number(id) };
  throw new Error(`Unknown digest target key "${key}"`);
}

export function refOf(target: DigestTargetSettings): DigestTargetRef {
  return target.kind === 'guild'
    ? { kind: 'guild', guildId: target.guildId }
    : { kind: 'subscription', subscriptionId: target.id };
}
