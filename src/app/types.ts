import type { Article } from '../articles/article.ts';
import type { Notice } from '../search/notices.ts';
import type { Period, Recommendation, TopicCount } from '../search/types.ts';

export type TrendingPeriod = 'day' | 'week' | 'month';
export const TRENDING_PERIODS = ['day', 'week', 'month'] as const satisfies readonly TrendingPeriod[];
export const SEARCH_PERIODS = ['day', 'week', 'month', 'year', 'all'] as const satisfies readonly Period[];

/** What a user can ask, as plain input: each front end parses its own syntax into one of these. */
export type VerbRequest =
  | { verb: 'search'; query: string; topic?: string; period?: Period; limit?: number; offset?: number }
  | { verb: 'topic'; name: string; limit?: number; offset?: number }
  | { verb: 'topics' }
  | { verb: 'related'; ref: string; limit?: number }
  | { verb: 'trending'; period: TrendingPeriod; limit?: number; offset?: number }
  /** `day`: UTC midnight of the day; absent means the last 24 hours. */
  | { verb: 'digest'; day?: number; topic?: string; limit?: number }
  | { verb: 'help' };

export type Verb = VerbRequest['verb'];

export interface Paging {
  offset: number;
  limit: number;
  /** Results there are in all, one per story, as the pager shows them. */
  total: number;
}

/** A list of recommendations: what search, topic, related, trending and digest answer. */
export interface ResultList {
  kind: 'results';
  verb: Exclude<Verb, 'topics' | 'help'>;
  /** Plain text, written once here; each front end escapes it its own way. */
  title: string;
  items: Recommendation[];
  notices: Notice[];
  paging: Paging;
  /** For related reading: the article it is about, when it was found. */
  about?: Article;
}

export interface TopicList {
  kind: 'topics';
  verb: 'topics';
  title: string;
  topics: TopicCount[];
}

export interface HelpAnswer {
  kind: 'help';
  verb: 'help';
}

export type VerbResult = ResultList | TopicList | HelpAnswer;
