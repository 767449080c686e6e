/**
 * Query sets: the latency mix for bench/run.ts (vocabulary words by frequency plus hard inputs) and the
 * judged sets for bench/quality.ts (known item, typo, half-typed, topical).
 */
import type { Rng, WeightedSampler } from './random.ts';

// ---------------------------------------------------------------- latency queries

export const PREFIX_LENGTHS = [1, 2, 3, 4, 5, 6, 7, 8];
export const SUGGEST_KINDS = ['query', 'topic', 'article'] as const;

export interface WeightedWords {
  words: readonly string[];
  sampler: WeightedSampler;
}

/** 1–3 words drawn by corpus frequency (so common words, stop words included, come up often). */
export function frequencyQueries(rng: Rng, vocab: WeightedWords, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = rng.pick([1, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
    const words: string[] = [];
    for (let k = 0; k < n; k++) words.push(vocab.words[vocab.sampler.draw(rng)] ?? '');
    out.push(words.join(' '));
  }
  return out;
}

/** Prefixes of exactly `length` characters of words drawn by frequency (among words at least that long). */
export function prefixQueries(rng: Rng, vocab: WeightedWords, length: number, count: number): string[] {
  const out: string[] = [];
  for (let guard = 0; out.length < count && guard < count * 1000; guard++) {
    const word = vocab.words[vocab.sampler.draw(rng)] ?? '';
    const chars = [...word.toLowerCase()];
    if (chars.length >= length) out.push(chars.slice(0, length).join(''));
  }
  return out;
}

export interface HardQuery {
  label: string;
  text: string;
}

/** Inputs that break or slow naive engines (see the lunr pitfalls in the field notes). */
export function hardQueries(rng: Rng, vocab: WeightedWords): HardQuery[] {
  const long: string[] = [];
  while (long.join(' ').length < 5000) long.push(vocab.words[vocab.sampler.draw(rng)] ?? 'x');
  const longText = long.join(' ').slice(0, 5000);
  return [
    { label: 'empty', text: '' },
    { label: 'blank', text: '   ' },
    { label: 'C++', text: 'C++' },
    { label: 'C#', text: 'C#' },
    { label: '.NET', text: '.NET' },
    { label: "Alzheimer's", text: "Alzheimer's" },
    { label: 'title:', text: 'title:' },
    { label: 'a:b:c', text: 'a:b:c' },
    { label: '-', text: '-' },
    { label: '--help', text: '--help' },
    { label: '-the (purely negative)', text: '-the' },
    { label: 'machine^', text: 'machine^' },
    { label: 'foo~1000', text: 'foo~1000' },
    { label: 'emoji 🚀', text: '🚀' },
    { label: 'emoji + word', text: '🦠 vaccine' },
    { label: 'the who', text: 'The Who' },
    { label: 'mach*', text: 'mach*' },
    { label: '5,000 chars', text: longText },
    { label: '+*', text: '+*' },
    { label: '*', text: '*' },
  ];
}

// ---------------------------------------------------------------- judged sets (quality)

/** Words of a title as a person would retype them: split on spaces and punctuation, symbols kept inside. */
export function titleWords(title: string): string[] {
  return title
    .split(/[\s\u2013\u2014"“”‘’()[\]{}|,;!?]+/u)
    .map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}+#]+$/gu, ''))
    .filter((w) => w.length > 0);
}

/** Lower-case key used to count word document frequencies. */
export function wordKey(word: string): string {
  return word.toLowerCase().replace(/['’]s$/, '');
}

/** English stop words (lunr's list), never chosen as "distinctive". */
export const STOP_WORDS = new Set(
  (
    'a able about across after all almost also am among an and any are as at be because been but by can ' +
    'cannot could dear did do does either else ever every for from get got had has have he her hers him his ' +
    'how however i if in into is it its just least let like likely may me might most must my neither no nor ' +
    'not of off often on only or other our own rather said say says she should since so some than that the ' +
    'their them then there these they this tis to too twas us wants was we were what when where which while ' +
    'who whom why will with would yet you your'
  ).split(' '),
);

export interface KnownItemQuery {
  /** The article the query was made from. */
  sourceId: string;
  query: string;
  /** Words used, in title order. */
  words: string[];
}

/**
 * 3–5 of the title's most distinctive words (lowest document frequency, no stop words, no 1-letter words),
 * kept in title order. Returns null when the title has fewer than 3 usable words.
 */
export function knownItemQuery(
  rng: Rng,
  sourceId: string,
  title: string,
  docFreq: ReadonlyMap<string, number>,
): KnownItemQuery | null {
  const words = titleWords(title);
  const seen = new Set<string>();
  const candidates: { word: string; pos: number; df: number }[] = [];
  words.forEach((word, pos) => {
    const key = wordKey(word);
    if (key.length < 2 || STOP_WORDS.has(key) || seen.has(key)) return;
    seen.add(key);
    candidates.push({ word, pos, df: docFreq.get(key) ?? 0 });
  });
  if (candidates.length < 3) return null;
  const k = Math.min(candidates.length, rng.int(3, 5));
  const chosen = [...candidates]
    .sort((a, b) => a.df - b.df || a.pos - b.pos)
    .slice(0, k)
    .sort((a, b) => a.pos - b.pos)
    .map((c) => c.word);
  return { sourceId, query: chosen.join(' '), words: chosen };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * One Levenshtein edit (substitution, deletion or insertion; never the first letter) in one word of at least
 * 5 letters. Returns null when no word qualifies.
 */
export function withTypo(rng: Rng, q: KnownItemQuery): KnownItemQuery | null {
  const eligible = q.words.map((w, i) => ({ w, i })).filter(({ w }) => /^\p{L}{5,}$/u.test(w));
  if (eligible.length === 0) return null;
  const { w, i } = rng.pick(eligible);
  const chars = [...w];
  const pos = rng.int(1, chars.length - 1);
  const kind = rng.pick(['sub', 'del', 'ins'] as const);
  const lower = (chars[pos] ?? '').toLowerCase();
  if (kind === 'sub') {
    let c = rng.pick([...LETTERS]);
    while (c === lower) c = rng.pick([...LETTERS]);
    chars[pos] = c;
  } else if (kind === 'del') {
    chars.splice(pos, 1);
  } else {
    chars.splice(pos, 0, rng.pick([...LETTERS]));
  }
  const words = [...q.words];
  words[i] = chars.join('');
  return { sourceId: q.sourceId, query: words.join(' '), words };
}

/** The query cut in the middle of its last word (which must have at least 4 letters). */
export function halfTyped(q: KnownItemQuery): KnownItemQuery | null {
  const last = q.words[q.words.length - 1];
  if (last === undefined) return null;
  const chars = [...last];
  if (chars.length < 4) return null;
  const cut = chars.slice(0, Math.ceil(chars.length / 2)).join('');
  const words = [...q.words.slice(0, -1), cut];
  return { sourceId: q.sourceId, query: words.join(' '), words };
}
