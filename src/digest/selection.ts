/**
 * Choosing a digest: the window since the last one, the exclusions (never an article or a story twice),
 * the size, the topics and the quality floor. The runner and the status preview both choose through
 * `selectDigestArticles`, so what status says would be posted is what a run posts.
 */
import type { Article } from '../articles/article.ts';
import { topicKey } from '../articles/normalize.ts';
import type { DigestQuery } from '../search/types.ts';
import type { DigestTargetSettings, SentHistory, Store } from '../store/types.ts';
import { refOf } from '../store/types.ts';
import { DAY_MS } from '../time/localTime.ts';
import { loadFeedback, NO_FEEDBACK, rerankByFeedback, type FeedbackWeights } from './feedback.ts';

/** The engine as the digest needs it; `Library` is one. Read at call time: the library may be swapped. */
export interface DigestEngine {
  selectDigest(query: DigestQuery): Article[] | Promise<Article[]>;
  /** The story an article belongs to: syndicated copies share it. */
  storyOf(article: Article): string;
  get(id: string): Article | undefined;
}

/** The longest window a digest covers, however long ago the last one was (e.g. after a long pause). */
export const DIGEST_MAX_WINDOW_MS = 7 * DAY_MS;
/** Articles in a personal digest. */
export const SUBSCRIPTION_DIGEST_SIZE = 5;

export interface SelectionOptions {
  maxWindowMs?: number;
  subscriptionSize?: number;
  /** The server's readers' votes: candidates are re-ranked by them (a bounded effect). */
  feedback?: FeedbackWeights;
}

/** With feedback, the engine is asked for this many times the size, so a liked article can move up. */
const FEEDBACK_CANDIDATES = 3;

export interface DigestWindow {
  since: number;
  until: number;
}

/** From the end of the last digest (a day back for the first) to `until`, at most `maxWindowMs` long. */
export function digestWindow(
  target: DigestTargetSettings,
  until: number,
  maxWindowMs = DIGEST_MAX_WINDOW_MS,
): DigestWindow {
  const since = Math.max(target.lastDigestAt ?? until - DAY_MS, until - maxWindowMs);
  return { since: Math.min(since, until), until };
}

export function digestSize(target: DigestTargetSettings, options: SelectionOptions = {}): number {
  return target.kind === 'guild' ? target.size : (options.subscriptionSize ?? SUBSCRIPTION_DIGEST_SIZE);
}

/** The articles a digest for `target` over `window` holds, best first; empty when nothing is new. */
export async function selectDigestArticles(
  engine: DigestEngine,
  target: DigestTargetSettings,
  window: DigestWindow,
  history: SentHistory,
  options: SelectionOptions = {},
): Promise<Article[]> {
  const limit = digestSize(target, options);
  const feedback = options.feedback ?? NO_FEEDBACK;
  const query: DigestQuery = {
    since: window.since,
    until: window.until,
    limit: feedback.votes > 0 ? limit * FEEDBACK_CANDIDATES : limit,
    topics: target.kind === 'guild' ? target.topics : [target.topicKey],
    excludeIds: history.articleIds,
    excludeStories: history.storyIds,
  };
  if (target.kind === 'guild' && target.minQuality !== null) query.minQuality = target.minQuality;

  // The engine promises to honour the exclusions; checking again is cheap and keeps "never repeat" here.
  const stories = new Set(history.storyIds);
  const selected: Article[] = [];
  const candidates = rerankByFeedback(
    await engine.selectDigest(query),
    feedback,
    (article) => article,
    (article) => article.heat,
  );
  for (const article of candidates) {
    const story = engine.storyOf(article);
    if (history.articleIds.has(article.id) || stories.has(story)) continue;
    stories.add(story);
    selected.push(article);
    if (selected.length === limit) break;
  }
  return selected;
}

/** True when two topic lists can pick the same article: one covers every topic, or they share one. */
export function topicsOverlap(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return true;
  const keys = new Set(a.map(topicKey));
  return b.some((topic) => keys.has(topicKey(topic)));
}

/**
 * What a digest must not post again: its own history, and what the server's other digests posted. A
 * digest whose settings allow repeats may post what an overlapping digest already did; otherwise an
 * article (or story) is posted once per server.
 */
export async function exclusionHistory(
  store: Pick<Store, 'sentArticles' | 'listGuildDigests'>,
  target: DigestTargetSettings,
): Promise<SentHistory> {
  const own = await store.sentArticles(refOf(target));
  if (target.kind !== 'guild') return own;
  const others = (await store.listGuildDigests(target.guildId)).filter(
    (other) =>
      other.slot !== target.slot && !(target.allowRepeats && topicsOverlap(target.topics, other.topics)),
  );
  for (const other of others) {
    const history = await store.sentArticles(refOf(other));
    for (const id of history.articleIds) own.articleIds.add(id);
    for (const id of history.storyIds) own.storyIds.add(id);
  }
  return own;
}

/** The server's feedback for a server digest; none for a personal one (votes are per server). */
export async function feedbackFor(
  store: Pick<Store, 'listVotes'>,
  target: DigestTargetSettings,
  now: number,
): Promise<FeedbackWeights> {
  return target.kind === 'guild' ? loadFeedback(store, target.guildId, now) : NO_FEEDBACK;
}

/** What a digest for `target` would hold if it ran at `now`, without posting or recording anything. */
export async function previewDigestAt(
  store: Pick<Store, 'sentArticles' | 'listGuildDigests' | 'listVotes'>,
  engine: DigestEngine,
  target: DigestTargetSettings,
  now: number,
  options: SelectionOptions = {},
): Promise<Article[]> {
  const history = await exclusionHistory(store, target);
  return selectDigestArticles(engine, target, digestWindow(target, now, options.maxWindowMs), history, {
    feedback: await feedbackFor(store, target, now),
    ...options,
  });
}
