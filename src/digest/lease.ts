/**
 * Claims of digest runs are leases: the process that claims a run records itself as owner and a time the
 * claim holds until, and renews it while it works. A process that dies stops renewing; once its lease lapses
 * (DIGEST_CLAIM_TIMEOUT_SECONDS) another process takes the run over and finishes it, never a live one's.
 */
import crypto from 'node:crypto';
import os from 'node:os';

import type { Logger } from 'pino';

import type { Store } from '../store/types.ts';

export const DEFAULT_CLAIM_TIMEOUT_MS = 120_000;

export interface ClaimSettings {
  /** This process as a claim owner (`claimOwnerId`). */
  owner: string;
  /** How long a claim holds without renewal. */
  timeoutMs: number;
}

/**
 * `host:pid:random[:shard<id>]`: unique per process start (the random part tells a restarted process with
 * a reused pid, or one in another container with the same hostname, from its predecessor).
 */
export function claimOwnerId(shardId?: number | null): string {
  const random = crypto.randomBytes(4).toString('hex');
  const shard = shardId === undefined || shardId === null ? '' : `:shard${shardId}`;
  return `${os.hostname()}:${process.pid}:${random}${shard}`;
}

/** `DIGEST_CLAIM_TIMEOUT_SECONDS` from the config, in ms (unset → 120 s). */
export function claimTimeoutMsFromConfig(config: {
  DIGEST_CLAIM_TIMEOUT_SECONDS?: number | undefined;
}): number {
  const seconds = config.DIGEST_CLAIM_TIMEOUT_SECONDS;
  return seconds === undefined ? DEFAULT_CLAIM_TIMEOUT_MS : Math.max(1, seconds) * 1000;
}

export interface HeldLease {
  /** True once a renewal found the claim taken over or finished by someone else. */
  readonly lost: boolean;
  /** Stops renewing (the run is done, or the process gives it up). */
  stop(): void;
  /** Stops renewing and lets the lease lapse now, so the next process resumes the run without waiting. */
  release(): Promise<void>;
}

/**
 * Renews the claim on `runId` every third of the timeout until stopped. Renewal uses the digests' clock,
 * the interval real time: a heartbeat late by a busy event loop still has two thirds of the lease left.
 * A failed renewal (database unreachable) is logged and retried at the next beat.
 */
export function holdLease(
  store: Pick<Store, 'renewLease'>,
  runId: number,
  claim: ClaimSettings,
  now: () => number,
  log: Logger,
): HeldLease {
  let lost = false;
  let stopped = false;
  let renewing: Promise<unknown> = Promise.resolve();
  const beat = async () => {
    try {
      const held = await store.renewLease(runId, claim.owner, now() + claim.timeoutMs);
      if (!held && !stopped) {
        lost = true;
        stop();
        log.warn({ runId }, 'lost the claim on a digest run: another process took it over');
      }
    } catch (error) {
      log.warn({ err: error, runId }, 'could not renew the claim on a digest run; retrying');
    }
  };
  const timer = setInterval(
    () => {
      renewing = renewing.then(beat);
    },
    Math.max(50, Math.floor(claim.timeoutMs / 3)),
  );
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return {
    get lost() {
      return lost;
    },
    stop,
    async release() {
      stop();
      await renewing;
      if (!lost) await store.renewLease(runId, claim.owner, now()).catch(() => false);
    },
  };
}
