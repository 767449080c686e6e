/**
 * Synthetic article corpus in the exact front-matter format of shared/corpus/real (see its README).
 *
 *   generateCorpus({ dir, count, seed })   writes `count` files into `dir` (deterministic from `seed`)
 *   ensureCorpus(count, seed)              same, cached under data/bench/<count>-<seed>/ with a marker file
 *
 * CLI: tsx bench/generateCorpus.ts --count 10000 [--seed 1]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng, WeightedSampler, zipfWeights } from './random.ts';
import { buildVocabulary, type Vocabulary } from './vocabulary.ts';

/** Bump when the output changes, so cached corpora are regenerated. */
export const GENERATOR_VERSION = 3;

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BENCH_DATA_ROOT = path.join(REPO_ROOT, 'data', 'bench');

/** The last publication instant of every generated corpus; dates run ~2 years back from here. */
export const CORPUS_END = Date.UTC(2025, 5, 1);
const SPAN_MS = 730 * 86_400_000;
const BATCH = 1000;

/** ~90 curator topics; index 0 is the dominant one (~39 % of articles, like "AI" in the real corpus). */
export const TOPICS = [
  'AI',
  'Cloud Computing',
  'Public Health',
  'Machine Learning',
  'Computer Vision',
  'Autonomous Vehicles',
  'Role-Playing Games',
  'Cybersecurity',
  'Databases',
  'Analytics',
  'Natural Language Processing',
  'AI in Healthcare',
  'Robotics',
  'Storage',
  'Networking',
  'DevOps',
  'Containers',
  'IoT',
  'Low-Code',
  'AI Ethics',
  'AI in Finance',
  'Fintech',
  'Startups',
  'Venture Capital',
  'Semiconductors',
  'Quantum Computing',
  'Space',
  'Climate',
  'Energy',
  'Electric Vehicles',
  'Smartphones',
  'Social Media',
  'Privacy',
  'Regulation',
  'Elections',
  'Economy',
  'Stock Markets',
  'Travel Impact',
  'Education',
  'Vaccines',
  'Treatment',
  'New Cases',
  'Europe',
  'Asia',
  'US',
  'Canada',
  'China',
  'Japan',
  'India',
  'UK',
  'Open Source',
  'Programming',
  'C++',
  'C#',
  '.NET',
  'JavaScript',
  'Python',
  'Web Development',
  'Mobile Apps',
  'E-commerce',
  'Retail',
  'Supply Chain',
  'Manufacturing',
  'Agriculture',
  'Biotech',
  'Genomics',
  "Alzheimer's",
  'Mental Health',
  'Sports',
  'Esports',
  'Streaming',
  'Music',
  'Film',
  'Books',
  'Science',
  'Physics',
  'Astronomy',
  'Chemistry',
  'Data Science',
  'Big Data',
  'Edge Computing',
  '5G',
  'Wearables',
  'AR/VR',
  'Blockchain',
  'Crypto',
  'Drones',
  'The Who',
  'face recognition',
  'self-driving',
];

const PROVIDER_COUNT = 2000;
const TLDS = ['com', 'com', 'com', 'com', 'com', 'org', 'net', 'co.uk', 'io', 'ca', 'com.au', 'de'];
const PROVIDER_PATTERNS = [
  '{W} News',
  'The {W} Times',
  '{W}',
  '{W} Daily',
  '{W} Post',
  '{W} Tech',
  '{W}Wire',
  '{W} Journal',
  '{W} Insider',
  '{W} Review',
  "{W}'s Blog",
  '{W} & {V}',
  '{W}: {V} Edition',
  '{W} | {V}',
  '#{W}',
  '{W}.com',
];

interface Provider {
  name: string;
  domain: string;
}

/** What later articles need to know about an earlier one (for related links and syndicated copies). */
interface ArticleStub {
  title: string;
  excerpt: string | undefined;
  webUrl: string;
  publishedAt: number;
  provider: Provider;
  quality: number | undefined;
  topics: number[];
}

export interface GenerateOptions {
  dir: string;
  count: number;
  seed: number;
  /** Called after each batch with the number of files written so far. */
  onProgress?: (written: number) => void;
}

export interface GenerateSummary {
  count: number;
  seed: number;
  files: number;
  bytes: number;
  syndicated: number;
  unpublished: number;
  withBody: number;
  topicCounts: Record<string, number>;
  ms: number;
}

// ---------------------------------------------------------------- YAML output

const RESERVED = /^(true|false|yes|no|on|off|null|y|n|~)$/i;

/** A double-quoted YAML scalar (JSON escaping is valid YAML; U+2028/9 escaped as the corpus does). */
function quoted(s: string): string {
  return JSON.stringify(s)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Plain where that is safe (as the corpus writes provider names and topics), quoted otherwise. */
function plainOrQuoted(s: string): string {
  const safe =
    /^[A-Za-z][A-Za-z0-9 .()&'/+-]*[A-Za-z0-9.)+]$/.test(s) && !RESERVED.test(s) && !/ #|: /.test(s);
  return safe ? s : quoted(s);
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------- the generator

class CorpusGenerator {
  private readonly rng: Rng;
  private readonly vocab: Vocabulary;
  private readonly providers: Provider[];
  private readonly providerSampler: WeightedSampler;
  private readonly otherTopicSampler: WeightedSampler;
  /** Per topic: word indexes it favours, and a Zipf sampler over them. */
  private readonly topicWords: number[][];
  private readonly topicWordSampler: WeightedSampler;
  /** Recent articles per primary topic, for related links and syndicated copies. */
  private readonly recentByTopic: ArticleStub[][] = TOPICS.map(() => []);
  private readonly usedNames = new Set<string>();

  constructor(readonly seed: number) {
    this.rng = new Rng(`corpus:${seed}`);
    this.vocab = buildVocabulary(seed);
    this.providers = this.makeProviders();
    this.providerSampler = new WeightedSampler(zipfWeights(PROVIDER_COUNT, 1.0));
    this.otherTopicSampler = new WeightedSampler(zipfWeights(TOPICS.length - 1, 1.0));
    const topicRng = new Rng(`topics:${seed}`);
    const vocabSize = this.vocab.words.length;
    this.topicWords = TOPICS.map(() =>
      Array.from({ length: 300 }, () => topicRng.int(200, Math.min(vocabSize - 1, 25_000))),
    );
    this.topicWordSampler = new WeightedSampler(zipfWeights(300, 0.8));
  }

  private makeProviders(): Provider[] {
    const rng = new Rng(`providers:${this.seed}`);
    const out: Provider[] = [];
    const domains = new Set<string>();
    const cap = (w: string): string => w[0]!.toUpperCase() + w.slice(1);
    while (out.length < PROVIDER_COUNT) {
      const w = cap(this.vocab.words[rng.int(1500, 40_000)] ?? 'Acme');
      const v = cap(this.vocab.words[rng.int(1500, 40_000)] ?? 'Co');
      if (!/^[A-Za-z]+$/.test(w + v)) continue;
      const name = rng.pick(PROVIDER_PATTERNS).replace('{W}', w).replace('{V}', v);
      const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '');
      const domain = `${base}.${rng.pick(TLDS)}`;
      if (domains.has(domain)) continue;
      domains.add(domain);
      out.push({ name, domain });
    }
    return out;
  }

  private provider(): Provider {
    return this.providers[this.providerSampler.draw(this.rng)]!;
  }

  private topicSet(): number[] {
    const rng = this.rng;
    const set = new Set<number>();
    const hasMain = rng.chance(0.39);
    if (hasMain) set.add(0);
    const extra = hasMain
      ? rng.pick([0, 0, 0, 0, 1, 1, 1, 1, 1, 2])
      : rng.pick([1, 1, 1, 1, 1, 1, 2, 2, 2, 3]);
    while (set.size < (hasMain ? 1 : 0) + extra) set.add(1 + this.otherTopicSampler.draw(rng));
    return [...set];
  }

  private word(topic: number, forTitle: boolean): string {
    const rng = this.rng;
    let index: number;
    if (rng.chance(forTitle ? 0.3 : 0.15)) {
      index = this.topicWords[topic]![this.topicWordSampler.draw(rng)]!;
    } else {
      index = this.vocab.sampler.draw(rng);
      // Titles carry fewer function words.
      if (forTitle && index < this.vocab.headCount && rng.chance(0.6)) index = this.vocab.sampler.draw(rng);
    }
    return this.vocab.words[index]!;
  }

  private topicNameWords(topic: number): string[] {
    return TOPICS[topic]!.split(' ');
  }

  private title(topics: number[]): string {
    const rng = this.rng;
    const primary = topics[0]!;
    const n = rng.int(6, 14);
    const words: string[] = [];
    for (let i = 0; i < n; i++) words.push(this.word(primary, true));
    if (rng.chance(0.35)) {
      const name = this.topicNameWords(rng.pick(topics));
      words.splice(rng.int(0, words.length - 1), Math.min(name.length, 2), ...name);
    }
    const titleCase = rng.chance(0.4);
    const out = words.map((w, i) =>
      (i === 0 || titleCase) && /^[a-z]/.test(w) ? w[0]!.toUpperCase() + w.slice(1) : w,
    );
    if (rng.chance(0.08)) out.push('?');
    return out.join(' ').replace(' ?', '?');
  }

  private sentence(topic: number, n: number): string {
    const words: string[] = [];
    for (let i = 0; i < n; i++) {
      let w = this.word(topic, false);
      if (i > 2 && i < n - 2 && this.rng.chance(0.06)) w += ',';
      words.push(w);
    }
    const first = words[0]!;
    words[0] = first[0]!.toUpperCase() + first.slice(1);
    return `${words.join(' ')}.`;
  }

  private paragraph(topic: number, target: number): string {
    const sentences: string[] = [];
    let written = 0;
    while (written < target) {
      const n = Math.min(Math.max(4, target - written), this.rng.int(8, 20));
      sentences.push(this.sentence(topic, n));
      written += n;
    }
    return sentences.join(' ');
  }

  private excerpt(topics: number[]): string {
    const text = this.paragraph(topics[0]!, this.rng.int(25, 50));
    return this.rng.chance(0.3) ? `${text.slice(0, -1)} ...` : text;
  }

  private body(topics: number[]): string {
    const rng = this.rng;
    const topic = topics[0]!;
    const parts: string[] = [];
    const paragraphs = rng.int(3, 8);
    for (let p = 0; p < paragraphs; p++) {
      if (p > 0 && rng.chance(0.25)) parts.push(`## ${this.sentence(topic, rng.int(2, 6)).slice(0, -1)}`);
      if (rng.chance(0.15)) {
        const items = rng.int(2, 5);
        const list: string[] = [];
        for (let i = 0; i < items; i++) list.push(`- ${this.sentence(topic, rng.int(3, 9))}`);
        parts.push(list.join('\n'));
      }
      let text = this.paragraph(topic, rng.int(30, 90));
      if (rng.chance(0.2))
        text += ` Read more at [${this.word(topic, true)}](https://example.org/${rng.int(1, 1e6)}).`;
      if (rng.chance(0.15)) text = `**${this.word(topic, true)}** ${text}`;
      parts.push(text);
    }
    return parts.join('\n\n');
  }

  private slug(title: string): string {
    const s = title
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .split('-')
      .slice(0, 9)
      .join('-');
    return s || 'article';
  }

  private fileName(publishedAt: number, title: string): string {
    const base = `${isoSeconds(publishedAt).slice(0, 10)}-${this.slug(title)}`;
    let name = `${base}.md`;
    for (let k = 2; this.usedNames.has(name); k++) name = `${base}-${k}.md`;
    this.usedNames.add(name);
    return name;
  }

  private url(provider: Provider, publishedAt: number, title: string, index: number, tag: string): string {
    const rng = this.rng;
    const host = rng.chance(0.4) ? `www.${provider.domain}` : provider.domain;
    const date = isoSeconds(publishedAt).slice(0, 7).replace('-', '/');
    let url = `https://${host}/${date}/${this.slug(title)}-${tag}${index.toString(36)}`;
    if (rng.chance(0.3)) url += '.html';
    if (rng.chance(0.05)) url += '?utm_source=feed&utm_medium=rss';
    return url;
  }

  private relatedEntries(topics: number[], publishedAt: number, index: number): string[] {
    const rng = this.rng;
    if (!rng.chance(0.47)) return [];
    const n = Math.min(10, 1 + Math.floor(-Math.log(1 - rng.next()) * 2.5));
    const lines: string[] = [];
    const recent = this.recentByTopic[topics[0]!]!;
    for (let k = 0; k < n; k++) {
      let stub: ArticleStub;
      const corpusLink = recent.length > 0 && rng.chance(0.35);
      if (corpusLink) {
        stub = rng.pick(recent);
      } else {
        const provider = this.provider();
        const at = publishedAt - rng.int(0, 5 * 86_400_000);
        const title = this.title(topics);
        stub = {
          title,
          excerpt: this.excerpt(topics),
          webUrl: this.url(provider, at, title, index * 16 + k, 'r'),
          publishedAt: at,
          provider,
          quality: rng.int(5, 150),
          topics,
        };
      }
      lines.push(`  - title: ${quoted(stub.title)}`);
      if (rng.chance(0.1)) {
        lines.push(`    webUrl: ${quoted(stub.webUrl)}`); // early-format entry: title and URL only
        continue;
      }
      if (stub.excerpt !== undefined) lines.push(`    excerpt: ${quoted(stub.excerpt)}`);
      lines.push(`    publishedDateTime: ${isoSeconds(stub.publishedAt)}`);
      lines.push(`    webUrl: ${quoted(stub.webUrl)}`);
      lines.push('    type: article');
      lines.push('    provider:');
      lines.push(`      name: ${plainOrQuoted(stub.provider.name)}`);
      lines.push(`      domain: ${stub.provider.domain}`);
      if (stub.quality !== undefined) lines.push(`    quality: ${stub.quality}`);
    }
    return lines;
  }

  /** One article file: its name and text. Also records the syndication flag for the summary. */
  article(index: number): {
    name: string;
    text: string;
    syndicated: boolean;
    unpublished: boolean;
    body: boolean;
    topics: number[];
  } {
    const rng = this.rng;
    let topics = this.topicSet();
    let provider = this.provider();
    let publishedAt = CORPUS_END - Math.floor(Math.pow(rng.next(), 0.85) * SPAN_MS);
    let title: string;
    let excerpt: string | undefined;
    let syndicated = false;

    const pool = this.recentByTopic[topics[0]!]!;
    if (pool.length > 0 && rng.chance(0.015)) {
      // A syndicated copy: same story title (and excerpt) from another provider, a few hours later.
      const original = rng.pick(pool);
      syndicated = true;
      title = original.title;
      excerpt = original.excerpt;
      topics = original.topics;
      publishedAt = Math.min(CORPUS_END, original.publishedAt + rng.int(0, 2 * 86_400_000));
      do provider = this.provider();
      while (provider.domain === original.provider.domain);
    } else {
      title = this.title(topics);
      excerpt = rng.chance(0.995) ? this.excerpt(topics) : undefined;
    }

    const isVideo = rng.chance(0.01);
    const webUrl = isVideo
      ? `https://www.youtube.com/watch?v=${index.toString(36).padStart(6, '0')}${rng.int(10, 99)}`
      : this.url(provider, publishedAt, title, index, 'a');
    const publishedRoll = rng.next();
    const published: boolean | undefined =
      publishedRoll < 0.3 ? true : publishedRoll < 0.85 ? false : undefined;
    const quality = rng.chance(0.88)
      ? Math.max(0, Math.min(213, Math.round(67 + rng.normal() * 35)))
      : undefined;
    let heat: number | undefined;
    if (rng.chance(0.93)) {
      heat =
        published === false && rng.chance(0.5)
          ? -1
          : Math.min(5000, Math.round(Math.exp(4.2 + rng.normal() * 1.1)));
    }

    const lines: string[] = ['---', 'category: news', `title: ${quoted(title)}`];
    if (excerpt !== undefined) lines.push(`excerpt: ${quoted(excerpt)}`);
    lines.push(`publishedDateTime: ${isoSeconds(publishedAt)}`);
    if (rng.chance(0.27)) lines.push(`originalUrl: ${quoted(webUrl)}`);
    lines.push(`webUrl: ${quoted(webUrl)}`);
    if (!isVideo && rng.chance(0.47)) {
      const amp = `${webUrl.replace(/\?.*$/, '')}?amp`;
      const host = new URL(webUrl).host;
      lines.push(`ampWebUrl: ${quoted(amp)}`);
      lines.push(
        `cdnAmpWebUrl: ${quoted(`https://${host.replace(/\./g, '-')}.cdn.ampproject.org/c/s/${amp.slice(8)}`)}`,
      );
    }
    lines.push(`type: ${isVideo ? 'video' : 'article'}`);
    if (quality !== undefined) lines.push(`quality: ${quality}`);
    if (heat !== undefined) lines.push(`heat: ${heat}`);
    if (published !== undefined) lines.push(`published: ${published}`);
    lines.push('', 'provider:', `  name: ${plainOrQuoted(provider.name)}`, `  domain: ${provider.domain}`);
    lines.push('', 'topics:', ...topics.map((t) => `  - ${plainOrQuoted(TOPICS[t]!)}`));
    if (rng.chance(0.77)) {
      const width = rng.pick([640, 800, 1024, 1280, 1920]);
      lines.push(
        '',
        'images:',
        `  - url: ${quoted(`https://cdn.${provider.domain}/img/${index.toString(36)}.jpg`)}`,
      );
      lines.push(
        `    width: ${width}`,
        `    height: ${Math.round(width * rng.pick([0.5, 0.5625, 0.66, 0.75]))}`,
      );
      if (rng.chance(0.4)) lines.push('    isCached: true');
    }
    const related = this.relatedEntries(topics, publishedAt, index);
    if (related.length > 0) lines.push('', 'related:', ...related);
    lines.push('---');
    const hasBody = rng.chance(0.3);
    let text = `${lines.join('\n')}\n`;
    if (hasBody) text += `\n${this.body(topics)}\n`;

    const stub: ArticleStub = { title, excerpt, webUrl, publishedAt, provider, quality, topics };
    const recent = this.recentByTopic[topics[0]!]!;
    recent.push(stub);
    if (recent.length > 200) recent.splice(0, recent.length - 200);

    return {
      name: this.fileName(publishedAt, title),
      text,
      syndicated,
      unpublished: published === false,
      body: hasBody,
      topics,
    };
  }
}

/** Writes `count` article files into `dir` (created if needed; must not already hold .md files). */
export function generateCorpus(opts: GenerateOptions): GenerateSummary {
  const start = Date.now();
  fs.mkdirSync(opts.dir, { recursive: true });
  if (fs.readdirSync(opts.dir).some((f) => f.endsWith('.md'))) {
    throw new Error(`generateCorpus: ${opts.dir} already holds .md files; use an empty folder`);
  }
  const gen = new CorpusGenerator(opts.seed);
  const summary: GenerateSummary = {
    count: opts.count,
    seed: opts.seed,
    files: 0,
    bytes: 0,
    syndicated: 0,
    unpublished: 0,
    withBody: 0,
    topicCounts: {},
    ms: 0,
  };
  const topicCounts = new Array<number>(TOPICS.length).fill(0);
  for (let batchStart = 0; batchStart < opts.count; batchStart += BATCH) {
    const batch: { name: string; text: string }[] = [];
    for (let i = batchStart; i < Math.min(opts.count, batchStart + BATCH); i++) {
      const a = gen.article(i);
      batch.push(a);
      if (a.syndicated) summary.syndicated++;
      if (a.unpublished) summary.unpublished++;
      if (a.body) summary.withBody++;
      for (const t of a.topics) topicCounts[t] = (topicCounts[t] ?? 0) + 1;
    }
    for (const { name, text } of batch) {
      fs.writeFileSync(path.join(opts.dir, name), text);
      summary.files++;
      summary.bytes += Buffer.byteLength(text);
    }
    opts.onProgress?.(summary.files);
  }
  TOPICS.forEach((t, i) => (summary.topicCounts[t] = topicCounts[i] ?? 0));
  summary.ms = Date.now() - start;
  return summary;
}

export interface CachedCorpus {
  /** data/bench/<count>-<seed> */
  root: string;
  /** The article files. */
  articlesDir: string;
  summary: GenerateSummary;
  reused: boolean;
}

/** Generates the corpus under data/bench/<count>-<seed>/articles unless a complete one is already there. */
export function ensureCorpus(
  count: number,
  seed: number,
  log: (msg: string) => void = () => {},
): CachedCorpus {
  const root = path.join(BENCH_DATA_ROOT, `${count}-${seed}`);
  const articlesDir = path.join(root, 'articles');
  const marker = path.join(root, 'complete.json');
  if (fs.existsSync(marker)) {
    const saved = JSON.parse(fs.readFileSync(marker, 'utf8')) as {
      version?: number;
      summary?: GenerateSummary;
    };
    if (saved.version === GENERATOR_VERSION && saved.summary?.files === count) {
      return { root, articlesDir, summary: saved.summary, reused: true };
    }
  }
  fs.rmSync(root, { recursive: true, force: true });
  log(`generating ${count} articles (seed ${seed}) in ${path.relative(REPO_ROOT, articlesDir)} ...`);
  const summary = generateCorpus({
    dir: articlesDir,
    count,
    seed,
    onProgress: (n) => {
      if (n % 20_000 === 0) log(`  ${n} / ${count}`);
    },
  });
  fs.writeFileSync(marker, JSON.stringify({ version: GENERATOR_VERSION, summary }, null, 2));
  log(`  done in ${(summary.ms / 1000).toFixed(1)} s, ${(summary.bytes / 1e6).toFixed(0)} MB`);
  return { root, articlesDir, summary, reused: false };
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const count = Number(argValue(args, '--count') ?? '1000');
  const seed = Number(argValue(args, '--seed') ?? '1');
  const dir = argValue(args, '--dir');
  if (dir !== undefined) {
    const s = generateCorpus({ dir, count, seed });
    console.log(JSON.stringify({ ...s, topicCounts: undefined }));
  } else {
    const c = ensureCorpus(count, seed, (m) => console.log(m));
    console.log(`${c.reused ? 'reused' : 'generated'} ${c.articlesDir}`);
    console.log(JSON.stringify({ ...c.summary, topicCounts: undefined }));
  }
}
