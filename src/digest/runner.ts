import { pino, type Logger } from 'pino';

import { targetKey, type DigestTargetRef, type Store } from '../store/types.ts';
import type { DigestDelivery } from './delivery.ts';
import { claimOwnerId, DEFAULT_CLAIM_TIMEOUT_MS } from './lease.ts';
import {
  FAILURES_BEFORE_PAUSE,
  runDigest,
  type CrashPointName,
  type ProtocolDeps,
  type RunReport,
} from './protocol.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts';
import type { DigestEngine } from './selection.ts';

export { CRASH_POINTS, type CrashPointName, type RunOutcome, type RunReport } from './protocol.ts';

export interface DigestRunnerDeps {
  store: Store;
  delivery: DigestDelivery;
  /** The engine as it is now (the library may be swapped while the bot runs). */
  engine: () => DigestEngine;
  now: () => number;
  logger?: Logger;
  /** Called between steps; a test process kills itself here. */
  crashPoint?: (name: CrashPointName) => void;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  failuresBeforePause?: number;
  /** Articles in a personal digest. */
  subscriptionSize?: number;
  /** The longest window a digest covers, however long ago the last one was (e.g. after a long pause). */
  maxWindowMs?: number;
  /** Told of every finished run (metrics). */
  onRun?: (report: RunReport) => void;
  /** This runner as the owner of its claims; default `claimOwnerId()` (host, pid, random). */
  claimOwner?: string;
  /** A claim not renewed for this long is taken over by another process (DIGEST_CLAIM_TIMEOUT_SECONDS). */
  claimTimeoutMs?: number;
}

/**
 * Runs digests one at a time per target (per server for server digests) (so a "post now" and a scheduled run cannot pick the same
 * articles) and keeps track of runs in flight so a shutdown can wait for them. Each run follows the
 * exactly-once protocol in `protocol.ts`; while a run is in progress its claim's lease is renewed, so
 * other processes sharing the store leave it alone unless this one dies.
 */
export class DigestRunner {
  readonly #protocol: ProtocolDeps;
  readonly #now: () => number;
  readonly #onRun: ((report: RunReport) => void) | undefined;
  readonly #targetLocks = new Map<string, Promise<unknown>>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #stopping = false;

  constructor(deps: DigestRunnerDeps) {
    const log = deps.logger ?? pino({ level: 'silent' });
    this.#now = deps.now;
    this.#onRun = deps.onRun;
    this.#protocol = {
      store: deps.store,
      delivery: deps.delivery,
      engine: deps.engine,
      now: deps.now,
      log,
      retry: {
        policy: { ...DEFAULT_RETRY_POLICY, ...deps.retry },
        sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
        stopping: () => this.#stopping,
        log,
      },
      failuresBeforePause: deps.failuresBeforePause ?? FAILURES_BEFORE_PAUSE,
      selection: {
        ...(deps.subscriptionSize !== undefined && { subscriptionSize: deps.subscriptionSize }),
        ...(deps.maxWindowMs !== undefined && { maxWindowMs: deps.maxWindowMs }),
      },
      claim: {
        owner: deps.claimOwner ?? claimOwnerId(),
        timeoutMs: Math.max(1, deps.claimTimeoutMs ?? DEFAULT_CLAIM_TIMEOUT_MS),
      },
      crashPoint: deps.crashPoint,
    };
  }

  /** This runner's identity as the owner of the runs it claims. */
  get claimOwner(): string {
    return this.#protocol.claim.owner;
  }

  /** Runs (or resumes, or ignores if already finished) the digest due at `dueAt`. */
  runDue(ref: DigestTargetRef, dueAt: number): Promise<RunReport> {
    return this.#exclusive(ref, () => runDigest(this.#protocol, ref, dueAt, dueAt));
  }

  /** Posts a digest now, outside the schedule; the window ends now. */
  postNow(ref: DigestTargetRef): Promise<RunReport> {
    return this.#exclusive(ref, () => {
      const now = this.#now();
      return runDigest(this.#protocol, ref, now, now);
    });
  }

  /** Stops retrying and waits for runs in flight. */
  async drain(): Promise<void> {
    this.#stopping = true;
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #exclusive(ref: DigestTargetRef, work: () => Promise<RunReport>): Promise<RunReport> {
    // A server's digests take turns too: two at once could both pick an article it may post only once.
    const key = ref.kind === 'guild' ? `guild:${ref.guildId}` : targetKey(ref);
    const previous = this.#targetLocks.get(key) ?? Promise.resolve();
    const observed = () =>
      work().then((report) => {
        this.#onRun?.(report);
        return report;
      });
    const result = previous.then(observed, observed);
    const settled = result.catch(() => undefined);
    this.#targetLocks.set(key, settled);
    this.#inFlight.add(settled);
    void settled.then(() => {
      this.#inFlight.delete(settled);
      if (this.#targetLocks.get(key) === settled) this.#targetLocks.delete(key);
    });
    return result;
  }
}
