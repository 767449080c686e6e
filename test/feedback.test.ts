/** The feedback model: votes fade with a two-week half-life, their effect is bounded, and it re-ranks. */
import { describe, expect, it } from 'vitest';

import {
  describeFeedback,
  FEEDBACK_HALF_LIFE_MS,
  feedbackFactor,
  feedbackWeights,
  MAX_EFFECT,
  rerankByFeedback,
} from '../src/digest/feedback.ts';
import { decodeCustomId, encodeCustomId } from '../src/discord/customIds.ts';
import type { StoredVote } from '../src/store/types.ts';

const NOW = Date.UTC(2025, 5, 20);
const vote = (topics: string[], value: 1 | -1, ageMs = 0, provider = 'Wire', userId = '1'): StoredVote => ({
  guildId: '100000000000000001',
  userId,
  articleId: 'a',
  vote: value,
  topics,
  provider,
  votedAt: NOW - ageMs,
});
const article = (topics: string[], provider = 'Other') => ({
  topics,
  provider: { name: provider, domain: '' },
});

describe('feedback weights', () => {
  it('GIVEN a vote two weeks old THEN it weighs as half a fresh one; after ten half-lives next to nothing', () => {
    const fresh = feedbackWeights([vote(['AI'], 1)], NOW).topics.get('ai')!.value;
    const old = feedbackWeights([vote(['AI'], 1, FEEDBACK_HALF_LIFE_MS)], NOW).topics.get('ai')!.value;
    expect(Math.atanh(old) / Math.atanh(fresh)).toBeCloseTo(0.5, 5);
    const ancient = feedbackWeights([vote(['AI'], 1, 10 * FEEDBACK_HALF_LIFE_MS)], NOW).topics.get(
      'ai',
    )!.value;
    expect(ancient).toBeLessThan(0.001);
  });

  it('GIVEN a thousand votes THEN an article moves at most ±30 %, and one without voted topics or provider not at all', () => {
    const many = Array.from({ length: 1000 }, (_, i) => vote(['AI'], 1, 0, 'Wire', String(i)));
    const liked = feedbackWeights(many, NOW);
    expect(feedbackFactor(liked, article(['AI'], 'Wire'))).toBeLessThanOrEqual(1 + MAX_EFFECT);
    expect(feedbackFactor(liked, article(['AI'], 'Wire'))).toBeGreaterThan(1.29);
    const disliked = feedbackWeights(
      many.map((v) => ({ ...v, vote: -1 as const })),
      NOW,
    );
    expect(feedbackFactor(disliked, article(['AI'], 'Wire'))).toBeGreaterThanOrEqual(1 - MAX_EFFECT);
    expect(feedbackFactor(liked, article(['Cooking']))).toBe(1);
  });

  it('GIVEN readers who like AI and dislike Politics THEN a liked article close in popularity moves up, a far more popular one stays first', () => {
    const weights = feedbackWeights(
      [1, 2, 3].flatMap((user) => [
        vote(['AI'], 1, 0, 'Lab', String(user)),
        vote(['Politics'], -1, 0, 'Desk', String(user)),
      ]),
      NOW,
    );
    const items = [
      { id: 'politics', heat: 80, ...article(['Politics']) },
      { id: 'science', heat: 75, ...article(['Science']) },
      { id: 'ai', heat: 70, ...article(['AI']) },
    ];
    const order = (list: typeof items) =>
      rerankByFeedback(
        list,
        weights,
        (item) => item,
        (item) => item.heat,
      ).map((item) => item.id);
    expect(order(items)).toEqual(['ai', 'science', 'politics']);
    // Popularity still counts: twice as hot beats the feedback bonus.
    expect(order([{ ...items[0]!, heat: 200 }, items[2]!])).toEqual(['politics', 'ai']);
    expect(describeFeedback(weights)).toBe('readers here prefer AI, Lab; less Politics, Desk');
    expect(describeFeedback(feedbackWeights([], NOW))).toBeNull();
  });
});

describe('vote custom ids', () => {
  it('GIVEN a vote button THEN its id round-trips without any session (it survives a restart); forged ids are refused', () => {
    const id = encodeCustomId({ action: 'vote', articleId: 'k7Fq2xZ1', vote: -1 });
    expect(id).toBe('vote:down:k7Fq2xZ1');
    expect(decodeCustomId(id)).toEqual({ action: 'vote', articleId: 'k7Fq2xZ1', vote: -1 });
    expect(decodeCustomId('vote:sideways:k7Fq2xZ1')).toBeNull();
    expect(decodeCustomId('vote:up:../../etc')).toBeNull();
    expect(decodeCustomId('morelike')).toEqual({ action: 'more-like' });
  });
});
