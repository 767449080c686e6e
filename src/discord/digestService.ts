import type { DigestRunner } from '../digest/runner.ts';
import { DAY_MS } from '../time/localTime.ts';
import type { DigestScheduler } from '../digest/scheduler.ts';
import type { Library } from '../search/library.ts';
import type { Store } from '../store/types.ts';

/** The longest window a digest covers (after a long pause); the runner and the status preview share it. */
export const DIGEST_MAX_WINDOW_MS = 7 * DAY_MS;

/** What the digest commands need: the database, the runner, the scheduler, the engine and the clock. */
export interface DigestService {
  readonly store: Store;
  /** Posts now (`postNow`) and reports a server's schedule (`statusFor`). */
  readonly runner: DigestRunner;
  /** `schedule(ref)` makes a settings change apply without a restart. */
  readonly scheduler: DigestScheduler;
  /** The engine as it is now: the library may be swapped while the bot runs. */
  library(): Library;
  /** The digests' only clock; tests inject one. */
  now(): number;
}
