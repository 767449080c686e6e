import { shorten, wordNotice, type NoticeIdiom } from '../app/noticeWording.ts';
import type { RequestProblem } from '../app/textRequests.ts';
import type { Verb } from '../app/types.ts';
import type { Notice } from '../search/notices.ts';

/** The terminal's idiom: commands are words (`topics`), options are flags (`--date`), text is plain. */
export const TERMINAL_IDIOM: NoticeIdiom = {
  command: (name) => `\`${name}\``,
  option: (name) => `--${name}`,
  quote: (text) => `“${shorten(text)}”`,
  example: (text) => `\`${text}\``,
  hasPeriods: true,
};

export function terminalNotices(notices: readonly Notice[]): string[] {
  return notices.map((notice) => wordNotice(notice, TERMINAL_IDIOM));
}

export const USAGE: Record<Verb, string> = {
  search: 'Usage: search <text> [--topic T] [--period day|week|month|year|all] [--limit N]',
  topic: 'Usage: topic <name> [--limit N]. `topics` lists them.',
  topics: 'Usage: topics',
  related: 'Usage: related <id|url|title> [--limit N]',
  trending: 'Usage: trending [day|week|month] [--limit N]',
  digest: 'Usage: digest [--date YYYY-MM-DD] [--topic T] [--limit N]',
  help: 'Usage: help',
};

/** What went wrong with a typed command, in the terminal's words. */
export function describeProblem(problem: RequestProblem): string {
  switch (problem.kind) {
    case 'unknown-command':
      return `Unknown command "${problem.word.slice(0, 40)}". Type \`help\` for the list.`;
    case 'usage':
      return USAGE[problem.verb];
    case 'flag-not-accepted':
      return `${problem.verb} does not take --${problem.flag}. ${USAGE[problem.verb]}`;
    case 'bad-limit':
      return `--limit must be a whole number from 1 to ${problem.max}.`;
    case 'bad-period':
      return problem.verb === 'search' ? '--period must be day, week, month, year or all.' : USAGE.trending;
    case 'invalid-date':
      return wordNotice({ kind: 'invalid-date', value: problem.value }, TERMINAL_IDIOM);
  }
}
