import { requestFromText } from '../app/textRequests.ts';
import type { VerbResult } from '../app/types.ts';
import { runVerb } from '../app/verbs.ts';
import type { Library } from '../search/library.ts';
import type { CommandLine } from './commandLine.ts';
import { describeProblem } from './terminalIdiom.ts';

export const HELP_TEXT = [
  'Commands (a leading / is optional):',
  '  search <text> [--topic T] [--period P] [--limit N]   articles matching your words',
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
  { command: string; result: VerbResult } | { command: string; error: string } | { command: 'quit' };

const DEFAULT_LIMIT = 5;

/** Run one terminal command against the library. Never throws for anything a user types. */
export function runLocalCommand(library: Library, line: CommandLine, now = Date.now()): LocalOutcome {
  const command = line.name;
  if (command === 'quit' || command === 'exit') return { command: 'quit' };
  const flags = new Map(line.flags);
  flags.delete('json');
  const parsed = requestFromText({ word: command, argument: line.words.join(' '), flags }, DEFAULT_LIMIT);
  if (!parsed.ok) return { command, error: describeProblem(parsed.problem) };
  return { command, result: runVerb(library, parsed.request, { now }) };
}
