/**
 * A synthetic Zipf vocabulary for benchmark corpora: real English function words at the head, tech/news
 * words next, a few awkward tokens (C++, .NET, Alzheimer's, emoji, accents) in the middle, and pronounceable
 * pseudo-words (with inflected variants, so stemming matters) for the long tail.
 */
import { Rng, WeightedSampler, zipfWeights } from './random.ts';

export const ZIPF_EXPONENT = 1.1;
export const DEFAULT_VOCABULARY_SIZE = 50_000;

/** Common English words in rough frequency order (many are lunr stop words, as in real text). */
const HEAD_WORDS = (
  'the of to and a in for is on that with as by at from it an be are this has was will new its have more ' +
  'says how can not or but about their after we you they up over first into than one all out been our ' +
  'what his her which who when year years also two its said other would could just like people now most ' +
  'some may time make way world these there them only back get through because such many even well ' +
  'three million billion week day today next last before while where between under during against big ' +
  'high top report study company companies help use using used need here why announces launches'
).split(' ');

/** Mid-frequency news and technology words. */
const DOMAIN_WORDS = (
  'data cloud learning machine model models health cases government market business security service ' +
  'services software platform research technology tech digital network users customers team teams ' +
  'future global industry public companies startup startups intelligence artificial deep neural vision ' +
  'language robot robots autonomous vehicle vehicles car cars driving hospital patients doctors vaccine ' +
  'virus pandemic outbreak lockdown economy stocks investors funding raises acquisition deal chip chips ' +
  'hardware storage database databases analytics developer developers open source code app apps mobile ' +
  'phone privacy facial recognition surveillance police law policy rules ban regulators ethics bias ' +
  'jobs workers employees remote school students education travel airline flights energy climate power ' +
  'game games player players season update release beta launch preview available support feature ' +
  'features partnership partners customer experience insights trends strategy growth revenue sales ' +
  'quarter profit loss shares price prices china chinese europe european american canada india japan ' +
  'microsoft google amazon apple facebook ibm nvidia intel openai tesla uber netflix twitter'
).split(' ');

/** Awkward tokens that search engines and tokenizers tend to mishandle. */
const SPECIAL_WORDS = [
  'C++',
  'C#',
  '.NET',
  'Node.js',
  'COVID-19',
  "Alzheimer's",
  'AI-powered',
  'e-commerce',
  '5G',
  'GPT-3',
  'Wi-Fi',
  'U.S.',
  "don't",
  "it's",
  'café',
  'naïve',
  'Zürich',
  'São',
  '2020',
  '2021',
  '100',
  '50%',
  '$1',
  '🚀',
  '🔥',
  '🦠',
  'R&D',
  'AT&T',
  'x86',
  'IoT',
];

const ONSETS =
  'b c d f g h j k l m n p r s t v w z br cr dr fr gr pr tr bl cl fl gl pl sl sh ch th st sp sk qu'.split(
    ' ',
  );
const VOWELS = 'a e i o u a e i o ai ea ou io'.split(' ');
const CODAS = ['', '', '', '', 'n', 'r', 's', 't', 'l', 'm', 'nd', 'rt', 'st', 'x', 'ck', 'ng'];
const SUFFIXES = ['s', 's', 'es', 'ed', 'ing', 'ing', 'er', 'ers', 'ly', 'ation', 'ness', 'ment'];

export interface Vocabulary {
  /** Words in rank order (rank 1 first). */
  words: string[];
  /** True where the word is always written capitalised (a proper-noun-like word). */
  proper: boolean[];
  weights: Float64Array;
  sampler: WeightedSampler;
  /** Number of function words at the head (titles use them less). */
  headCount: number;
}

function pseudoWord(rng: Rng, syllables: number): string {
  let w = '';
  for (let s = 0; s < syllables; s++) {
    if (s > 0 || rng.chance(0.8)) w += rng.pick(ONSETS);
    w += rng.pick(VOWELS);
    if (s === syllables - 1 || rng.chance(0.3)) w += rng.pick(CODAS);
  }
  return w;
}

export function buildVocabulary(seed: number | string, size = DEFAULT_VOCABULARY_SIZE): Vocabulary {
  const rng = new Rng(`vocabulary:${seed}`);
  const words: string[] = [];
  const proper: boolean[] = [];
  const seen = new Set<string>();
  const add = (w: string, isProper: boolean): void => {
    const key = w.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    words.push(w);
    proper.push(isProper);
  };
  for (const w of HEAD_WORDS) add(w, false);
  const headCount = words.length;
  for (const w of DOMAIN_WORDS) add(w, false);

  // Special tokens are spread over ranks ~300..6000 so some are common enough to be queried.
  const specialAt = new Map<number, string>();
  SPECIAL_WORDS.forEach((w, i) =>
    specialAt.set(300 + Math.floor(Math.pow(i / SPECIAL_WORDS.length, 2) * 5700), w),
  );

  while (words.length < size) {
    const rank = words.length;
    const special = specialAt.get(rank);
    if (special !== undefined) {
      add(special, /[A-Z]/.test(special[0] ?? ''));
      specialAt.delete(rank);
      continue;
    }
    // Inflected variants of earlier pseudo-words keep stemming relevant (e.g. "brandor", "brandors").
    if (rank > 600 && rng.chance(0.2)) {
      const baseIndex = rng.int(Math.floor(rank / 4), rank - 1);
      const base = words[baseIndex];
      if (base !== undefined && /^[a-z]+$/i.test(base) && base.length < 12) {
        add(base + rng.pick(SUFFIXES), proper[baseIndex] ?? false);
        continue;
      }
    }
    const syllables = rank < 2000 ? rng.int(1, 2) : rank < 15_000 ? rng.int(2, 3) : rng.int(2, 4);
    const w = pseudoWord(rng, syllables);
    if (w.length < 3) continue;
    const isProper = rng.chance(0.08);
    add(isProper ? w[0]!.toUpperCase() + w.slice(1) : w, isProper);
  }
  const weights = zipfWeights(words.length, ZIPF_EXPONENT);
  return { words, proper, weights, sampler: new WeightedSampler(weights), headCount };
}
