import type { REST } from '@discordjs/rest';
import type { Logger } from 'pino';

import { createDigestModule, type DigestModuleOptions } from '../digest/digests.ts';
import type { TickReport } from '../digest/scheduler.ts';
import type { Library } from '../search/library.ts';
import type { Store } from '../store/types.ts';
import { createDiscordDelivery } from './discordDelivery.ts';
import { digestService, type DigestService } from './digestService.ts';

export interface CreateDigestsOptions {
  /** Opened and closed by the composition root; `stop()` leaves it open. */
  store: Store;
  /** The digests' own REST instance (`createDigestRest`: its retry settings differ from the client's). */
  rest: REST;
  /** The engine as it is now: read at every run and command. */
  library: () => Library;
  logger: Logger;
  now?: () => number;
  catchUpMs?: number;
  cronExpression?: string;
  /** Told of every finished run (metrics). */
  onRun?: DigestModuleOptions['onRun'];
  /** Claims of digest runs: this process's identity and DIGEST_CLAIM_TIMEOUT_SECONDS (see src/digest/lease.ts). */
  claim?: Partial<Pick<DigestModuleOptions, 'claimOwner' | 'claimTimeoutMs'>>;
  /** Test seams of the digest module (crash points, retry timings). */
  module?: Partial<Pick<DigestModuleOptions, 'crashPoint' | 'retry' | 'sleep' | 'maxWindowMs'>>;
}

export interface Digests {
  service: DigestService;
  /** Resumes interrupted runs, catches up on what was missed while the bot was down, starts the ticker. */
  start(): Promise<TickReport>;
  /** Stops the ticker and waits for runs in flight; the store stays open. */
  stop(): Promise<void>;
}

/** Server digests and subscriptions, delivered through Discord's REST API. */
export function createDigests(options: CreateDigestsOptions): Digests {
  const { rest } = options;
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ module: 'digest' });
  const digests = createDigestModule({
    store: options.store,
    delivery: createDiscordDelivery({ rest }),
    engine: options.library,
    now,
    logger,
    ...(options.catchUpMs !== undefined && { catchUpMs: options.catchUpMs }),
    ...(options.cronExpression !== undefined && { cronExpression: options.cronExpression }),
    ...(options.onRun && { onRun: options.onRun }),
    ...options.claim,
    ...options.module,
  });
  return {
    service: digestService(digests, now),
    async start() {
      const report = await digests.start();
      logger.info(
        { runs: report.runs.length, skipped: report.skipped.length, scheduled: report.scheduled },
        'digest scheduler started',
      );
      return report;
    },
    stop: () => digests.stop(),
  };
}
