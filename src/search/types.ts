import type { Article, RelatedLink } from '../articles/article.ts';
import type { Notice } from './notices.ts';

export type Period = 'day' | 'week' | 'month' | 'year' | 'all';

/** One recommendation with the reason it was chosen. */
export type Recommendation =
  | { kind: 'article'; article: Article; why: string; score: number }
  | { kind: 'link'; link: RelatedLink; why: string; score: number };

export interface ResultPage {
  results: Recommendation[];
  /** How many results exist in all, one per story, as the pager shows them. */
  total: number;
  /** What to tell the user when there is nothing or the query was adjusted; worded by each front end. */
  notices: Notice[];
}

export interface SearchOptions {
  topic?: string;
  period?: Period;
  limit?: number;
  offset?: number;
  /** Reference "now" in ms; defaults to Date.now(). */
  now?: number;
}

export interface Suggestion {
  /** 1–100 characters, shown to the user. */
  name: string;
  /** 1–100 characters, sent back when chosen (article id, topic name or query text). */
  value: string;
  kind: 'query' | 'topic' | 'article';
}

export interface TopicCount {
  name: string;
  key: string;
  count: number;
}

export interface DigestQuery {
  /** Window start and end, ms since epoch, [since, until). */
  since: number;
  until: number;
  limit: number;
  /** Topic names or keys; empty or absent means every topic. */
  topics?: string[];
  minQuality?: number;
  /** Article ids to leave out (already sent). */
  excludeIds?: ReadonlySet<string>;
  /** Story ids to leave out (already sent). */
  excludeStories?: ReadonlySet<string>;
}
