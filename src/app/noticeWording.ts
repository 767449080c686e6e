import type { Notice } from '../search/notices.ts';

/**
 * How one front end speaks. A notice is worded once, here; the idiom decides how commands, options, user
 * text and examples look: `/topics` and inline code on Discord, `topics` and `--date` in the terminal.
 */
export interface NoticeIdiom {
  /** A command the user can run, e.g. `/topics` or `topics`. */
  command(name: 'topics' | 'topic' | 'search' | 'related'): string;
  /** An option of the current command, e.g. `date` or `--date`. */
  option(name: 'date' | 'topic' | 'period'): string;
  /** What the user typed, shown safely for the medium. */
  quote(text: string): string;
  /** Text the user could type. */
  example(text: string): string;
  /** Whether this front end can filter results by period. */
  hasPeriods: boolean;
}

export function shorten(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function wordNotice(notice: Notice, idiom: NoticeIdiom): string {
  const { quote } = idiom;
  switch (notice.kind) {
    case 'empty-query':
      return `Type a word or two to search for, e.g. ${idiom.example('deep learning')}.`;
    case 'only-exclusions':
      return `Add a word to search for: ${idiom.example('-word')} only leaves articles out.`;
    case 'no-match':
      return `No articles match ${quote(notice.query)}. Try fewer or different words, or a topic (${idiom.command('topics')} lists them).`;
    case 'missing-words':
      return `No article mentions ${notice.words.map(quote).join(', ')}; showing the closest matches.`;
    case 'partial-match':
      return 'No article matches every word; showing the closest.';
    case 'filtered-out': {
      const period = notice.period && notice.period !== 'all' ? notice.period : undefined;
      const limits = [period && `from the last ${period}`, notice.topic && `in ${notice.topic}`].filter(
        Boolean,
      );
      const advice = [period && idiom.hasPeriods && 'widen the period', notice.topic && 'drop the topic']
        .filter(Boolean)
        .join(' or ');
      const sentence = `${plural(notice.count, 'article')} ${notice.count === 1 ? 'matches' : 'match'} ${quote(notice.query)}, but none ${limits.join(' and ')}.`;
      return advice ? `${sentence} ${advice[0]!.toUpperCase()}${advice.slice(1)}.` : sentence;
    }
    case 'unknown-topic':
      return `There is no topic ${quote(notice.name)}. ${idiom.command('topics')} lists them all.`;
    case 'topic-guessed':
      return `There is no topic ${quote(notice.typed)}; showing the closest, ${quote(notice.name)}.`;
    case 'no-topic-named':
      return `Name a topic, e.g. ${idiom.example('AI')}. ${idiom.command('topics')} lists them all.`;
    case 'archive-period':
      return `Nothing was published in the last ${notice.period}; showing the ${notice.period} up to ${isoDay(notice.until)}, the newest in the library.`;
    case 'no-dated-articles':
      return 'The library has no dated articles yet.';
    case 'no-article-named':
      return `Name an article: ${idiom.command('related')} takes an article id, URL or title.`;
    case 'unknown-article':
      return `No article ${quote(notice.ref)} in the library. Use an id from a search result, its URL or its exact title.`;
    case 'nothing-related':
      return `Nothing related to ${quote(notice.title)} yet.`;
    case 'digest-newest-day':
      return `Nothing new in the last 24 hours; showing the 24 hours up to the newest article (${isoDay(notice.newest)}).`;
    case 'digest-empty':
      return 'Nothing to put in that digest: no live articles in that day.';
    case 'invalid-date':
      return `${idiom.option('date')} must be a day written YYYY-MM-DD, e.g. 2020-05-01 (got ${quote(notice.value)}).`;
    case 'removed-since':
      return `${plural(notice.count, 'article')} on this page ${notice.count === 1 ? 'was' : 'were'} removed from the library since this search.`;
  }
}
