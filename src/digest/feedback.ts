/**
 * What a server's readers taught the ranking with 👍 and 👎. Each vote counts for the article's topics and
 * its provider, fading with a half-life of two weeks; a topic's (or provider's) preference is the faded sum
 * squashed into (-1, 1), so a few votes matter and a flood saturates. An article's weight is
 * 1 ± MAX_EFFECT at most (0.7–1.3): feedback reorders what the engine chose by popularity and recency, it
 * never replaces it. The same weights rank the server's next digests and its `/topic` lists.
 */
import type { Article } from '../articles/article.ts';
import { topicKey } from '../articles/normalize.ts';
import type { Store, StoredVote } from '../store/types.ts';
import { DAY_MS } from '../time/localTime.ts';

export const FEEDBACK_HALF_LIFE_MS = 14 * DAY_MS;
/** Votes older than this weigh under 1/1000 of a fresh one: not read. */
export const FEEDBACK_HORIZON_MS = 10 * FEEDBACK_HALF_LIFE_MS;
/** The most an article's weight moves either way. */
export const MAX_EFFECT = 0.3;
/** Faded votes at which a preference reaches tanh(1) ≈ 0.76 of its bound. */
const SATURATION = 3;
const TOPIC_SHARE = 0.7;
const PROVIDER_SHARE = 0.3;
const VOTES_READ = 5_000;

export interface Preference {
  /** Display name, as the articles spell it. */
  name: string;
  /** In (-1, 1): positive, readers liked it. */
  value: number;
}

export interface FeedbackWeights {
  readonly topics: ReadonlyMap<string, Preference>;
  readonly providers: ReadonlyMap<string, Preference>;
  readonly votes: number;
}

export const NO_FEEDBACK: FeedbackWeights = { topics: new Map(), providers: new Map(), votes: 0 };

/** The weights from votes, as of `now`. */
export function feedbackWeights(votes: readonly StoredVote[], now: number): FeedbackWeights {
  const topics = new Map<string, { name: string; sum: number }>();
  const providers = new Map<string, { name: string; sum: number }>();
  const add = (into: typeof topics, name: string, amount: number) => {
    const key = topicKey(name);
    if (!key) return;
    const entry = into.get(key) ?? { name, sum: 0 };
    entry.sum += amount;
    into.set(key, entry);
  };
  for (const vote of votes) {
    const faded = vote.vote * 0.5 ** (Math.max(0, now - vote.votedAt) / FEEDBACK_HALF_LIFE_MS);
    for (const topic of vote.topics) add(topics, topic, faded);
    if (vote.provider) add(providers, vote.provider, faded);
  }
  const squash = (from: typeof topics) =>
    new Map([...from].map(([key, { name, sum }]) => [key, { name, value: Math.tanh(sum / SATURATION) }]));
  return { topics: squash(topics), providers: squash(providers), votes: votes.length };
}

/** The server's weights now, from its votes of the last ten half-lives. */
export async function loadFeedback(
  store: Pick<Store, 'listVotes'>,
  guildId: string,
  now: number,
): Promise<FeedbackWeights> {
  const votes = await store.listVotes(guildId, now - FEEDBACK_HORIZON_MS, VOTES_READ);
  return votes.length ? feedbackWeights(votes, now) : NO_FEEDBACK;
}

/** How much feedback moves an article: 1 ± MAX_EFFECT at most; 1 without votes on its topics or provider. */
export function feedbackFactor(
  weights: FeedbackWeights,
  article: Pick<Article, 'topics' | 'provider'>,
): number {
  if (weights.votes === 0) return 1;
  const topical = article.topics
    .map((topic) => weights.topics.get(topicKey(topic))?.value)
    .filter((value): value is number => value !== undefined);
  const topic = topical.length ? topical.reduce((sum, value) => sum + value, 0) / topical.length : 0;
  const provider = weights.providers.get(topicKey(article.provider.name))?.value ?? 0;
  const mix = Math.max(-1, Math.min(1, TOPIC_SHARE * topic + PROVIDER_SHARE * provider));
  return 1 + MAX_EFFECT * mix;
}

/**
 * Items in the order the engine gave, re-ranked: each keeps a base score, its popularity relative to the
 * first (`baseOf`: heat, a search score) or, when that is not known for all, its place (first 1, falling
 * evenly to 0.5 for the last), times its feedback factor. Stable: equal scores keep their order.
 */
export function rerankByFeedback<T>(
  items: readonly T[],
  weights: FeedbackWeights,
  articleOf: (item: T) => Pick<Article, 'topics' | 'provider'> | null,
  baseOf?: (item: T) => number | null,
): T[] {
  if (weights.votes === 0 || items.length < 2) return [...items];
  const span = Math.max(1, items.length - 1);
  const known = baseOf ? items.map(baseOf) : [];
  const top = Math.max(0, ...known.map((value) => value ?? 0));
  const popularity = baseOf && top > 0 && known.every((value) => value !== null && value >= 0);
  return items
    .map((item, rank) => {
      const article = articleOf(item);
      const base = popularity ? known[rank]! / top : 1 - (0.5 * rank) / span;
      return { item, rank, score: base * (article ? feedbackFactor(weights, article) : 1) };
    })
    .sort((a, b) => b.score - a.score || a.rank - b.rank)
    .map(({ item }) => item);
}

/**
 * Why feedback moved an article, for its "why" line: the strongest voted topic or provider behind it
 * ("readers here like Machine Learning", "readers here like Politics less"); null when it did not move.
 */
export function feedbackWhy(
  weights: FeedbackWeights,
  article: Pick<Article, 'topics' | 'provider'>,
): string | null {
  const factor = feedbackFactor(weights, article);
  if (Math.abs(factor - 1) < 0.02) return null;
  const candidates = [
    ...article.topics.map((topic) => weights.topics.get(topicKey(topic))),
    weights.providers.get(topicKey(article.provider.name)),
  ].filter(
    (preference): preference is Preference =>
      preference !== undefined && Math.sign(preference.value) === Math.sign(factor - 1),
  );
  const strongest = candidates.sort((a, b) => Math.abs(b.value) - Math.abs(a.value))[0];
  if (!strongest) return null;
  const percent = Math.round((factor - 1) * 100);
  return `readers here like ${strongest.name}${factor > 1 ? '' : ' less'} (${percent > 0 ? '+' : ''}${percent} %)`;
}

/** "readers here prefer Machine Learning, Azure; less Coronavirus", or null before any clear preference. */
export function describeFeedback(weights: FeedbackWeights, shown = 3): string | null {
  const all = [...weights.topics.values(), ...weights.providers.values()].filter(
    (preference) => Math.abs(preference.value) >= 0.1,
  );
  const liked = all
    .filter((p) => p.value > 0)
    .sort((a, b) => b.value - a.value)
    .slice(0, shown);
  const disliked = all
    .filter((p) => p.value < 0)
    .sort((a, b) => a.value - b.value)
    .slice(0, shown);
  if (!liked.length && !disliked.length) return null;
  const names = (list: Preference[]) => list.map((p) => p.name).join(', ');
  const parts = [
    liked.length ? `prefer ${names(liked)}` : '',
    disliked.length ? `${liked.length ? 'less ' : 'like less '}${names(disliked)}` : '',
  ].filter(Boolean);
  return `readers here ${parts.join('; ')}`;
}
