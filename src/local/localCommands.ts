import { isVerb, requestFromText } from '../app/textRequests.ts';
import type { Verb, VerbResult } from '../app/types.ts';
import { runVerb } from '../app/verbs.ts';
import type { Library } from '../search/library.ts';
import { DEFAULT_LIMIT } from '../search/paging.ts';
import type { CommandLine } from './commandLine.ts';
import { describeProblem, USAGE } from './terminalIdiom.ts';

export const HELP_TEXT = [
  'Commands (a leading / is optional; anything else is searched):',
  '  search <text> [--topic T] [--period P] [--limit N]   articles matching your words',
  '  topic <name> [--limit N]                 the best articles in a topic',
  '  topics                                   every topic with its article count',
  '  related <id|url|title> [--limit N]       related reading for an article',
  '  trending [day|week|month] [--limit N]    the most popular recent articles',
  '  digest [--date YYYY-MM-DD] [--topic T] [--limit N]   the daily digest for a day',
  '  help, <command> --help                   this list, or one command',
  '  quit                                     leave',
  '--limit is 1–25 (default 5), --period day|week|month|year|all.',
  'Add --json for one line of JSON per command.',
].join('\n');

export type LocalOutcome =
  /** `hint`: said before the answer, e.g. a "did you mean" when plain text was searched. */
  | { command: string; result: VerbResult; hint?: string }
  | { command: string; text: string }
  | { command: string; error: string }
  | { command: 'quit' };

const WORDS: readonly string[] = [
  'search',
  'topic',
  'topics',
  'related',
  'trending',
  'digest',
  'help',
  'quit',
];

/** Run one terminal command against the library. Never throws for anything a user types. */
export function runLocalCommand(library: Library, line: CommandLine, now = Date.now()): LocalOutcome {
  const command = line.name;
  if (command === 'quit' || command === 'exit') return { command: 'quit' };
  if (command === '--help' || command === '-h') return { command: 'help', text: HELP_TEXT };
  const flags = new Map(line.flags);
  flags.delete('json');
  if (flags.delete('help')) {
    return isVerb(command)
      ? { command, text: command === 'help' ? HELP_TEXT : USAGE[command] }
      : { command: 'help', text: HELP_TEXT };
  }
  const parsed = requestFromText({ word: command, argument: line.words.join(' '), flags }, DEFAULT_LIMIT);
  if (parsed.ok) return { command, result: runVerb(library, parsed.request, { now }) };
  if (parsed.problem.kind !== 'unknown-command') return { command, error: describeProblem(parsed.problem) };

  // Not a command: the whole line is a search, as in a DM with the bot.
  const query = [line.name, ...line.words].join(' ');
  const searched = requestFromText({ word: 'search', argument: query, flags }, DEFAULT_LIMIT);
  if (!searched.ok) return { command: 'search', error: describeProblem(searched.problem) };
  const guess = closestCommand(command);
  return {
    command: 'search',
    result: runVerb(library, searched.request, { now }),
    ...(guess && {
      hint: `“${command.slice(0, 40)}” is not a command (did you mean \`${guess}\`?); searching for it.`,
    }),
  };
}

/** A command one or two typing slips away from `word`, for "did you mean". */
export function closestCommand(word: string): Verb | 'quit' | undefined {
  if (word.length < 3) return undefined;
  let best: { word: string; distance: number } | undefined;
  for (const candidate of WORDS) {
    const distance = editDistance(word, candidate);
    const allowed = candidate.length >= 6 ? 2 : 1;
    if (distance > 0 && distance <= allowed && (!best || distance < best.distance))
      best = { word: candidate, distance };
  }
  return best?.word as Verb | 'quit' | undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swapped neighbours. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = value;
    }
  }
  return rows[a.length]![b.length]!;
}
