import type { Period } from './types.ts';

/**
 * Something to tell the user about a result, as data. The engine never words it: each front end says it
 * in its own idiom (`/topics` on Discord, `topics` in the terminal), escaping what the user typed its way.
 */
export type Notice =
  /** Nothing searchable was typed. */
  | { kind: 'empty-query' }
  /** Only `-word` exclusions were typed. */
  | { kind: 'only-exclusions' }
  | { kind: 'no-match'; query: string }
  /** Words no article contains; the closest matches are shown. */
  | { kind: 'missing-words'; words: string[] }
  /** No article matches every word; the closest are shown. */
  | { kind: 'partial-match' }
  /** Matches exist, but the period or topic filter left none. */
  | { kind: 'filtered-out'; count: number; query: string; period?: Period; topic?: string }
  | { kind: 'unknown-topic'; name: string }
  /** What was typed is not a topic name; the closest topic was used. */
  | { kind: 'topic-guessed'; typed: string; name: string }
  | { kind: 'no-topic-named' }
  /** Nothing in the last period (an archive corpus): the newest such period is shown instead. */
  | { kind: 'archive-period'; period: 'day' | 'week' | 'month'; until: number }
  | { kind: 'no-dated-articles' }
  | { kind: 'no-article-named' }
  | { kind: 'unknown-article'; ref: string }
  | { kind: 'nothing-related'; title: string }
  /** Nothing in the last 24 hours: the 24 hours up to the newest article are shown. */
  | { kind: 'digest-newest-day'; newest: number }
  | { kind: 'digest-empty' }
  | { kind: 'invalid-date'; value: string }
  /** Paging an older result list: articles on this page have left the library since it was made. */
  | { kind: 'removed-since'; count: number };
