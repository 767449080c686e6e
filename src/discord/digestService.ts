import type { VerbResult } from '../app/types.ts';
import type { Article } from '../articles/article.ts';
import { describeFeedback, rerankByFeedback } from '../digest/feedback.ts';
import type { DigestModule } from '../digest/digests.ts';
import type { RunReport } from '../digest/protocol.ts';
import type { DigestScheduler } from '../digest/scheduler.ts';
import type { DigestStatus } from '../digest/status.ts';
import type { DigestTargetRef, DigestTargetSettings, Store, StoredVote } from '../store/types.ts';

/** What the digest commands need: the database, the digest module's verbs, the engine and the clock. */
export interface DigestService {
  readonly store: Store;
  /** `schedule(ref)` makes a settings change apply without a restart; `tick()` runs what is due. */
  readonly scheduler: Pick<DigestScheduler, 'schedule' | 'tick'>;
  postNow(ref: DigestTargetRef): Promise<RunReport>;
  status(guildId: string, slot?: number): Promise<DigestStatus | null>;
  serverStatus(guildId: string): Promise<DigestStatus[]>;
  /** What a run now would post, chosen by the runner's own selection. */
  preview(target: DigestTargetSettings): Promise<Article[]>;
  /** The digests' only clock; tests inject one. */
  now(): number;
  /** What readers' votes in the server have taught the ranking, in a sentence; null when nothing yet. */
  feedbackSummary?(guildId: string): Promise<string | null>;
  /** Records a reader's vote; returns the vote it replaced (null: a first vote). */
  vote?(vote: StoredVote): Promise<1 | -1 | null>;
  /** A result list of the server re-ranked by its readers' votes (bounded; the engine's order still counts). */
  rerank?<T extends VerbResult>(guildId: string, result: T): Promise<T>;
}

export function digestService(module: DigestModule, now: () => number): DigestService {
  return {
    store: module.store,
    scheduler: module.scheduler,
    postNow: (ref) => module.postNow(ref),
    status: (guildId, slot) => module.status(guildId, slot),
    serverStatus: (guildId) => module.serverStatus(guildId),
    preview: (target) => module.preview(target),
    now,
    vote: async (vote) => (await module.store.saveVote(vote)).previous,
    feedbackSummary: async (guildId) => describeFeedback(await module.feedback(guildId)),
    async rerank(guildId, result) {
      if (result.kind !== 'results') return result;
      const weights = await module.feedback(guildId);
      const items = rerankByFeedback(
        result.items,
        weights,
        (item) => (item.kind === 'article' ? item.article : null),
        (item) => item.score,
      );
      return { ...result, items };
    },
  };
}
