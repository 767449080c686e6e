import { MAX_LIMIT } from '../search/paging.ts';
import { parseDay } from './digestPreview.ts';
import { SEARCH_PERIODS, TRENDING_PERIODS, type Verb, type VerbRequest } from './types.ts';

/** A command typed as text (a DM, a terminal line): its first word, the rest, and any `--flags`. */
export interface TextCommand {
  word: string;
  /** Everything after the first word, flags removed. */
  argument: string;
  flags?: ReadonlyMap<string, string | true>;
}

export type RequestProblem =
  | { kind: 'unknown-command'; word: string }
  /** The verb needs an argument it did not get (or got one it does not take). */
  | { kind: 'usage'; verb: Verb }
  | { kind: 'flag-not-accepted'; verb: Verb; flag: string }
  | { kind: 'bad-limit'; max: number }
  | { kind: 'bad-period'; verb: 'trending' | 'search'; value: string }
  | { kind: 'invalid-date'; value: string };

export type ParsedRequest = { ok: true; request: VerbRequest } | { ok: false; problem: RequestProblem };

const VERBS: readonly Verb[] = ['search', 'topic', 'topics', 'related', 'trending', 'digest', 'help'];
const FLAGS_OF: Record<Verb, readonly string[]> = {
  search: ['topic', 'limit', 'period'],
  topic: ['limit'],
  topics: [],
  related: ['limit'],
  trending: ['limit'],
  digest: ['date', 'topic', 'limit'],
  help: [],
};

export function isVerb(word: string): word is Verb {
  return (VERBS as readonly string[]).includes(word);
}

/**
 * Turns a typed command into a request, strictly: the DM front end falls back to a search when this
 * fails, the terminal reports the problem. The words are the same in both: `search`, `topic <name>`,
 * `topics`, `related <article>`, `trending [day|week|month]`, `digest`, `help`.
 */
export function requestFromText(command: TextCommand, defaultLimit: number): ParsedRequest {
  const word = command.word.replace(/^\//, '').toLowerCase();
  if (!isVerb(word)) return { ok: false, problem: { kind: 'unknown-command', word } };
  const flags = command.flags ?? new Map<string, string | true>();
  const fail = (problem: RequestProblem): ParsedRequest => ({ ok: false, problem });
  for (const flag of flags.keys()) {
    if (!FLAGS_OF[word].includes(flag)) return fail({ kind: 'flag-not-accepted', verb: word, flag });
  }
  const text = command.argument.trim();
  const limit = readLimit(flags.get('limit'), defaultLimit);
  if (limit === null) return fail({ kind: 'bad-limit', max: MAX_LIMIT });
  const topicFlag = flags.get('topic');
  const topic = typeof topicFlag === 'string' && topicFlag.trim() ? topicFlag.trim() : undefined;
  const ok = (request: VerbRequest): ParsedRequest => ({ ok: true, request });

  switch (word) {
    case 'search': {
      if (!text) return fail({ kind: 'usage', verb: word });
      const periodFlag = flags.get('period');
      if (periodFlag === undefined) return ok({ verb: word, query: text, topic, limit });
      const period = SEARCH_PERIODS.find((value) => value === String(periodFlag).toLowerCase());
      if (!period) return fail({ kind: 'bad-period', verb: word, value: String(periodFlag) });
      return ok({ verb: word, query: text, topic, period, limit });
    }
    case 'topic':
      return text ? ok({ verb: word, name: text, limit }) : fail({ kind: 'usage', verb: word });
    case 'related':
      return text ? ok({ verb: word, ref: text, limit }) : fail({ kind: 'usage', verb: word });
    case 'trending': {
      const period = TRENDING_PERIODS.find((value) => value === (text || 'week').toLowerCase());
      return period
        ? ok({ verb: word, period, limit })
        : fail({ kind: 'bad-period', verb: word, value: text });
    }
    case 'digest': {
      if (text) return fail({ kind: 'usage', verb: word });
      const dateFlag = flags.get('date');
      if (dateFlag === undefined) return ok({ verb: word, topic, limit });
      const day = typeof dateFlag === 'string' ? parseDay(dateFlag) : null;
      if (day === null)
        return fail({ kind: 'invalid-date', value: String(dateFlag === true ? '' : dateFlag) });
      return ok({ verb: word, day, topic, limit });
    }
    case 'topics':
    case 'help':
      return text ? fail({ kind: 'usage', verb: word }) : ok({ verb: word });
  }
}

function readLimit(value: string | true | undefined, fallback: number): number | null {
  if (value === undefined) return fallback;
  const limit = Number(value);
  return Number.isInteger(limit) && limit >= 1 && limit <= MAX_LIMIT ? limit : null;
}
