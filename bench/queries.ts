/**
 * The latency query mix for bench/run.ts and bench/searchSpeed.ts: vocabulary words by frequency, prefixes,
 * and hard inputs. (The judged sets of bench/quality.ts are drawn in bench/judgedSets.ts.)
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
