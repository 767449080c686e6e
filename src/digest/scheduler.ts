import cron, { type ScheduledTask } from 'node-cron';
import { pino, type Logger } from 'pino';

import {
  refOf,
  targetKey,
  type DigestTargetRef,
  type DigestTargetSettings,
  type RunProblem,
  type Store,
} from '../store/types.ts';
import { shardIdentityFromEnv, shardOfGuild, type ShardIdentity } from '../ops/shardIdentity.ts';
import { DAY_MS, HOUR_MS, nextDueAt } from '../time/localTime.ts';
import { digestNonce } from './nonce.ts';
import type { RunReport } from './protocol.ts';
import type { DigestRunner } from './runner.ts';

/** A run missed while the bot was down is still posted if it is at most this late. */
export const DEFAULT_CATCH_UP_MS = 6 * HOUR_MS;

/**
 * A run this late is on time, not caught up: ticks come once a minute and a busy minute can be slow, so
 * DIGEST_CATCH_UP_HOURS=0 (catch-up off) must still post the digests of a bot that never went down.
 */
export const ON_TIME_MS = 5 * 60_000;

/**
 * Targets run at once in a tick. A run mostly waits (the database, Discord's answer, its REST client's
 * share of the global limit), so a few at a time leave the limit unused when a whole minute's digests are
 * due: at ~0.2 s a run, 16 keep the pipe at 45 a second; the REST client's global limit sets the pace.
 */
const DEFAULT_CONCURRENCY = 16;

/** A re-check waits this long past a lapsing lease, so clocks a little apart agree that it lapsed. */
const RECHECK_MARGIN_MS = 250;
/** The cron tick comes at least this often anyway. */
const RECHECK_MAX_MS = 60_000;

/** `DIGEST_CATCH_UP_HOURS` from the config, in ms (unset → 6 h). */
export function catchUpMsFromConfig(config: { DIGEST_CATCH_UP_HOURS?: number | undefined }): number {
  const hours = config.DIGEST_CATCH_UP_HOURS;
  return hours === undefined ? DEFAULT_CATCH_UP_MS : Math.max(0, hours) * HOUR_MS;
}

export interface DigestSchedulerOptions {
  store: Store;
  runner: Pick<DigestRunner, 'runDue' | 'drain'>;
  /** The scheduler's only notion of time; tests inject a fake clock. */
  now: () => number;
  catchUpMs?: number;
  /** When node-cron wakes the scheduler; it only triggers a check, the store decides what is due. */
  cronExpression?: string;
  /** Targets run at the same time within one tick. */
  concurrency?: number;
  /** Targets fetched per query; a tick keeps fetching until nothing is due. */
  batchSize?: number;
  logger?: Logger;
  /**
   * The shard this process serves: it runs only the targets it owns (`ownsTarget`), so N shards post
   * each digest once between them. Default: from the shard manager's environment; null runs every target.
   */
  shard?: ShardIdentity | null;
}

/**
 * Which shard runs a target's digests: a server's on the shard that serves that server (Discord's own
 * `(guild_id >> 22) % shards`), a subscription's on `id % shards` (a DM is sent through REST, which
 * any shard can do, so subscriptions are spread over all shards and their share of the global limit).
 * Every shard computes the same answer without talking to the others; the store's claim of each run is
 * the final guard when two processes disagree (a rolling restart with a new shard count).
 */
export function ownsTarget(shard: ShardIdentity | null, ref: DigestTargetRef): boolean {
  if (!shard || shard.count <= 1) return true;
  const owner =
    ref.kind === 'guild' ? shardOfGuild(ref.guildId, shard.count) : ref.subscriptionId % shard.count;
  return owner === shard.id;
}

export interface TickReport {
  /** Targets whose next due time was computed (new or changed settings). */
  scheduled: number;
  runs: RunReport[];
  /** Due times recorded as skipped because they were too late to catch up. */
  skipped: { target: string; dueAt: number; problem: RunProblem }[];
}

function emptyReport(): TickReport {
  return { scheduled: 0, runs: [], skipped: [] };
}

/**
 * Decides when digests run. node-cron only provides the wake-up: its own matching skips DST gaps, drops
 * late ticks and forgets downtime, so every tick asks the store what is due by `now()` and moves each
 * target's `next_due_at` forward with `nextDueAt`, which also makes settings changes apply without restart.
 */
export class DigestScheduler {
  readonly #store: Store;
  readonly #runner: Pick<DigestRunner, 'runDue' | 'drain'>;
  readonly #now: () => number;
  readonly #catchUpMs: number;
  readonly #cronExpression: string;
  readonly #concurrency: number;
  readonly #batchSize: number;
  readonly #log: Logger;
  readonly #owns: (ref: DigestTargetRef) => boolean;
  #task: ScheduledTask | undefined;
  #tickInFlight: Promise<TickReport> | undefined;
  #stopped = false;
  /** A tick due when the earliest claim another process holds lapses (see `#recheckLapsingClaims`). */
  #recheck: { at: number; timer: NodeJS.Timeout } | undefined;

  constructor(options: DigestSchedulerOptions) {
    this.#store = options.store;
    this.#runner = options.runner;
    this.#now = options.now;
    this.#catchUpMs = Math.max(ON_TIME_MS, options.catchUpMs ?? DEFAULT_CATCH_UP_MS);
    this.#cronExpression = options.cronExpression ?? '0 * * * * *';
    this.#concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    this.#batchSize = Math.max(1, options.batchSize ?? 100);
    this.#log = options.logger ?? pino({ level: 'silent' });
    const shard = options.shard === undefined ? shardIdentityFromEnv() : options.shard;
    this.#owns = (ref) => ownsTarget(shard, ref);
  }

  /**
   * Resumes runs a stopped process left claimed, runs everything due (catching up on downtime), then
   * starts the ticker. Resolves when that first pass is done.
   */
  async start(): Promise<TickReport> {
    if (this.#task) throw new Error('The digest scheduler is already started');
    this.#stopped = false;
    const report = await this.#exclusiveTick(() => this.#recoverThenTick());
    const log = this.#log;
    this.#task = cron.createTask(this.#cronExpression, () => this.tick(), {
      name: 'digest-ticker',
      noOverlap: true,
      // A dropped tick is harmless: the next one finds whatever is due in the store.
      suppressMissedWarning: true,
      logger: {
        info: (message) => log.debug(message),
        warn: (message) => log.warn(message),
        error: (message, err) => log.error({ err: err ?? message }, 'node-cron error'),
        debug: (message) => log.debug({ detail: message }, 'node-cron'),
      },
    });
    await this.#task.start();
    this.#recheckLapsingClaims(report); // the first pass ran before the ticker existed
    return report;
  }

  /** Stops the ticker and waits for the tick and the runs in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#clearRecheck();
    const task = this.#task;
    this.#task = undefined;
    if (task) await task.destroy();
    await this.#tickInFlight?.catch(() => undefined);
    await this.#runner.drain();
  }

  /** Runs what is due now. Concurrent calls share one tick. */
  tick(): Promise<TickReport> {
    if (this.#stopped) return Promise.resolve(emptyReport());
    return this.#exclusiveTick(() => this.#recoverThenTick());
  }

  /**
   * Runs whose claim lapsed (their process died or hangs) first, then what is due. Every tick looks, not
   * only a start: a shard restarted before its predecessor's claims lapsed (DIGEST_CLAIM_TIMEOUT_SECONDS)
   * takes them over at the next tick.
   */
  async #recoverThenTick(): Promise<TickReport> {
    const recovered = await this.#recoverInterruptedRuns();
    const ticked = await this.#tick();
    return {
      scheduled: ticked.scheduled,
      runs: [...recovered.runs, ...ticked.runs],
      skipped: [...recovered.skipped, ...ticked.skipped],
    };
  }

  /**
   * Recomputes a target's next run from now, after its settings changed. The tick would also pick the
   * change up (a changed time clears next_due_at), this only makes it immediate. Null when paused or gone.
   */
  async schedule(ref: DigestTargetRef): Promise<number | null> {
    const target = await this.#store.getTarget(ref);
    if (!target || target.paused) return null;
    const next = nextDueAt(this.#now(), target.time, target.timeZone);
    await this.#store.setNextDueAt(ref, next, target.nextDueAt);
    return next;
  }

  #exclusiveTick(tick: () => Promise<TickReport>): Promise<TickReport> {
    if (this.#tickInFlight) return this.#tickInFlight;
    const running = tick()
      .catch((error: unknown) => {
        this.#log.error({ err: error }, 'digest tick failed');
        return emptyReport();
      })
      .finally(() => {
        this.#tickInFlight = undefined;
      });
    this.#tickInFlight = running;
    void running.then((report) => this.#recheckLapsingClaims(report));
    return running;
  }

  /**
   * A run another process holds is left to it, and the target's schedule moves on, so only the recovery
   * of lapsed claims can pick it up again. Without this that waits for the next cron tick: a shard
   * restarted seconds after a crash would leave its predecessor's digest unrecorded for up to a minute.
   * One timer, for the earliest lease; a live owner renews its lease and the re-check finds nothing.
   */
  #recheckLapsingClaims(report: TickReport): void {
    if (this.#stopped || !this.#task) return;
    let earliest = Infinity;
    for (const run of report.runs) {
      if (run.state === 'claimed-elsewhere') earliest = Math.min(earliest, run.leaseUntil);
    }
    if (earliest === Infinity || (this.#recheck && this.#recheck.at <= earliest)) return;
    this.#clearRecheck();
    const delay = Math.min(Math.max(0, earliest - this.#now()) + RECHECK_MARGIN_MS, RECHECK_MAX_MS);
    const timer = setTimeout(() => {
      this.#recheck = undefined;
      void this.tick();
    }, delay);
    timer.unref();
    this.#recheck = { at: earliest, timer };
  }

  #clearRecheck(): void {
    if (this.#recheck) clearTimeout(this.#recheck.timer);
    this.#recheck = undefined;
  }

  async #tick(): Promise<TickReport> {
    const report = emptyReport();
    report.scheduled = await this.#scheduleUnscheduled();
    // A target that fails to advance would be fetched again and again; each is handled once a tick.
    const handled = new Set<string>();
    for (;;) {
      const now = this.#now();
      const fetched = (await this.#store.listDueTargets(now, this.#batchSize + handled.size)).filter(
        (target) => !handled.has(targetKey(refOf(target))),
      );
      if (fetched.length === 0 || this.#stopped) break;
      // Another shard's targets stay due until that shard runs them: skip them for this tick.
      for (const target of fetched) handled.add(targetKey(refOf(target)));
      const due = fetched.filter((target) => this.#owns(refOf(target)));
      await forEachConcurrently(due, this.#concurrency, async (target) => {
        try {
          await this.#runDueTarget(target, now, report);
        } catch (error) {
          this.#log.error({ err: error, target: targetKey(refOf(target)) }, 'digest run failed unexpectedly');
        }
      });
    }
    return report;
  }

  async #scheduleUnscheduled(): Promise<number> {
    const now = this.#now();
    let scheduled = 0;
    for (const target of await this.#store.listUnscheduledTargets(10_000)) {
      if (!this.#owns(refOf(target))) continue;
      let next: number;
      try {
        next = nextDueAt(now, target.time, target.timeZone);
      } catch (error) {
        await this.#pauseUnschedulable(target, error);
        continue;
      }
      if (await this.#store.setNextDueAt(refOf(target), next, null)) scheduled++;
    }
    return scheduled;
  }

  /** A stored zone the runtime no longer knows (e.g. after an ICU update) must not fail every tick. */
  async #pauseUnschedulable(target: DigestTargetSettings, error: unknown): Promise<void> {
    const detail = error instanceof Error ? error.message : String(error);
    const reason = { kind: 'unschedulable', time: target.time, timeZone: target.timeZone, detail } as const;
    const now = this.#now();
    if (target.kind === 'guild')
      await this.#store.setGuildDigestPaused(target.guildId, true, reason, now, target.slot);
    else await this.#store.setSubscriptionPaused(target.id, true, reason, now);
    this.#log.error(
      { err: error, target: targetKey(refOf(target)) },
      'digest schedule cannot be computed; paused',
    );
  }

  /**
   * Handles a target whose next_due_at has passed. After downtime several due times may have passed: only
   * the latest can still be caught up, and only if it is at most catchUpMs late. Each due time is run or
   * recorded as skipped at most once (the run row is unique per target and due time).
   */
  async #runDueTarget(target: DigestTargetSettings, now: number, report: TickReport): Promise<void> {
    const ref = refOf(target);
    const key = targetKey(ref);
    const storedDue = target.nextDueAt!;
    let missed: number[];
    try {
      missed = missedDueTimes(storedDue, now, target.time, target.timeZone);
    } catch (error) {
      await this.#pauseUnschedulable(target, error);
      return;
    }
    const latest = missed.pop()!;

    for (const dueAt of missed) await this.#skip(ref, dueAt, now, target.timeZone, report);
    if (now - latest > this.#catchUpMs) {
      await this.#skip(ref, latest, now, target.timeZone, report);
    } else {
      report.runs.push(await this.#runner.runDue(ref, latest));
    }

    const next = nextDueAt(Math.max(latest, this.#now()), target.time, target.timeZone);
    if (!(await this.#store.setNextDueAt(ref, next, storedDue))) {
      this.#log.info({ target: key }, 'schedule changed during the run; keeping the new one');
    }
  }

  async #skip(ref: DigestTargetRef, dueAt: number, now: number, timeZone: string, report: TickReport) {
    const problem: RunProblem = {
      kind: 'missed-offline',
      dueAt,
      timeZone,
      lateMs: now - dueAt,
      limitMs: this.#catchUpMs,
    };
    const key = targetKey(ref);
    if (await this.#store.recordSkippedRun(ref, dueAt, digestNonce(key, dueAt), problem, now)) {
      report.skipped.push({ target: key, dueAt, problem });
      this.#log.warn({ target: key, dueAt: new Date(dueAt).toISOString() }, 'missed digest skipped');
    }
  }

  /** Runs left `claimed` by a process that died (their lease lapsed): resume them, or skip those too late. */
  async #recoverInterruptedRuns(): Promise<TickReport> {
    const report = emptyReport();
    const now = this.#now();
    for (const run of await this.#store.listInterruptedRuns(now, 10_000)) {
      if (!this.#owns(run.target)) continue; // its own shard resumes it
      const target = await this.#store.getTarget(run.target);
      // Once a post may have reached Discord the run must be finished (the nonce makes it safe), or the
      // message would exist without its articles recorded as sent.
      const mayHavePosted = run.postStartedAt !== null;
      const tooLate = now - run.dueAt > this.#catchUpMs;
      if (!mayHavePosted && (!target || target.paused || tooLate)) {
        const problem: RunProblem = !target
          ? { kind: 'target-removed' }
          : target.paused
            ? { kind: 'paused-while-interrupted' }
            : {
                kind: 'missed-interrupted',
                dueAt: run.dueAt,
                timeZone: target.timeZone,
                lateMs: now - run.dueAt,
              };
        await this.#store.finishRun({ runId: run.id, state: 'skipped', problem, now });
        report.skipped.push({ target: targetKey(run.target), dueAt: run.dueAt, problem });
        continue;
      }
      this.#log.info({ target: targetKey(run.target), runId: run.id }, 'resuming an interrupted digest run');
      report.runs.push(await this.#runner.runDue(run.target, run.dueAt));
    }
    return report;
  }
}

/**
 * The due times from `storedDue` up to `now`, oldest first (at least `storedDue`). After a long outage only
 * the last few days are listed one by one; anything older collapses into the first entry.
 */
export function missedDueTimes(storedDue: number, now: number, time: string, timeZone: string): number[] {
  const dueTimes = [storedDue];
  let cursor = storedDue;
  if (now - storedDue > 7 * DAY_MS) cursor = nextDueAt(now - 3 * DAY_MS, time, timeZone);
  else cursor = nextDueAt(storedDue, time, timeZone);
  while (cursor <= now) {
    dueTimes.push(cursor);
    cursor = nextDueAt(cursor, time, timeZone);
  }
  return dueTimes;
}

async function forEachConcurrently<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}
