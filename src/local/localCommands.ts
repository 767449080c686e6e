import { parseDay, previewDigest } from '../search/digestPreview.ts';
import type { Library } from '../search/library.ts';
import type { Recommendation, ResultPage, TopicCount } from '../search/types.ts';
import type { CommandLine } from './commandLine.ts';

export const HELP_TEXT = [
  'Commands (a leading / is optional):',
  '  search <text> [--topic T] [--limit N]   articles matching your words',
  '  topic <name> [--limit N]                 the best articles in a topic',
  '  topics                                   every topic with its article count',
  '  related <id|url|title> [--limit N]       related reading for an article',
  '  trending [day|week|month] [--limit N]    the most popular recent articles',
  '  digest [--date YYYY-MM-DD] [--topic T]   the daily digest for a day',
  '  help                                     this list',
  '  quit                                     leave',
  '--limit is 1–25 (default 5). Add --json for one line of JSON per command.',
].join('\n');

export type LocalOutcome =
  | { command: string; results: Recommendation[]; notice?: string; title?: string }
  | { command: string; topics: TopicCount[] }
  | { command: string; text: string }
  | { command: string; error: string }
  | { command: 'quit' };

function parseLimit(value: string | true | undefined): number | string {
  if (value === undefined) return 5;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 25)
    return '--limit must be a whole number from 1 to 25.';
  return limit;
}

function fromPage(command: string, page: ResultPage, title?: string): LocalOutcome {
  return { command, results: page.results, notice: page.notice, title };
}

/** Run one terminal command against the library. Never throws for anything a user types. */
export function runLocalCommand(library: Library, line: CommandLine, now = Date.now()): LocalOutcome {
  const command = line.name;
  const text = line.words.join(' ').trim();
  const limit = parseLimit(line.flags.get('limit'));
  if (typeof limit === 'string') return { command, error: limit };
  const topicFlag = line.flags.get('topic');
  const topic = typeof topicFlag === 'string' && topicFlag.trim() ? topicFlag : undefined;

  switch (command) {
    case 'search':
      if (!text) return { command, error: 'Usage: search <text> [--topic T] [--limit N]' };
      return fromPage(command, library.search(text, { topic, limit, now }), `Search: ${text}`);
    case 'topic':
      if (!text) return { command, error: 'Usage: topic <name>. `topics` lists them.' };
      return fromPage(command, library.topic(text, { limit, now }), `Topic: ${text}`);
    case 'topics':
      return { command, topics: library.topics() };
    case 'related': {
      if (!text) return { command, error: 'Usage: related <id|url|title>' };
      const page = library.related(text, { limit });
      return fromPage(command, page, page.article ? `Related to: ${page.article.title}` : undefined);
    }
    case 'trending': {
      const period = (text || 'week').toLowerCase();
      if (period !== 'day' && period !== 'week' && period !== 'month') {
        return { command, error: 'Usage: trending [day|week|month]' };
      }
      return fromPage(command, library.trending(period, { limit, now }), `Trending this ${period}`);
    }
    case 'digest':
      return runDigest(library, line, topic, now);
    case 'help':
      return { command, text: HELP_TEXT };
    case 'quit':
    case 'exit':
      return { command: 'quit' };
    default:
      return { command, error: `Unknown command "${command.slice(0, 40)}". Type \`help\` for the list.` };
  }
}

function runDigest(
  library: Library,
  line: CommandLine,
  topic: string | undefined,
  now: number,
): LocalOutcome {
  const dateFlag = line.flags.get('date');
  let day: number | undefined;
  if (dateFlag !== undefined) {
    const parsed = typeof dateFlag === 'string' ? parseDay(dateFlag) : null;
    if (parsed === null)
      return { command: 'digest', error: '--date must be a day written YYYY-MM-DD, e.g. 2020-05-01.' };
    day = parsed;
  }
  const preview = previewDigest(library, { day, topic, now });
  return {
    command: 'digest',
    title: preview.title,
    notice: preview.notice,
    results: preview.articles.map((article, i) => ({
      kind: 'article',
      article,
      why: `#${i + 1} by heat that day${article.heat ? ` (heat ${article.heat.toLocaleString('en-US')})` : ''}`,
      score: article.heat ?? 0,
    })),
  };
}
