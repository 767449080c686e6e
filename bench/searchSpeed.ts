/**
 * Search speed against the peers, in one process on one synthetic corpus (issue 13):
 *
 *   node --import tsx --expose-gc bench/searchSpeed.ts [--size 100000] [--seed 1] [--queries 300] [--flex-tolerant]
 *
 * Broadsheet (Library.fromArticles), FlexSearch 0.8 (forward document over title/excerpt/topics: strict,
 * then suggest; `--flex-tolerant` adds the quality bench's tolerant index, which takes many minutes to build
 * at 100k) and
 * MiniSearch 7 (AND then OR, prefix on the last word, fuzzy 0.2, title ×2) index the same articles, built one
 * after the other (build time; heap + external memory after GC, as each build adds it). Then every query
 * is asked of every engine in turn, in an order drawn afresh for each query, so machine noise
 * (other processes, GC) falls on all alike. Every engine first answers the same 30 questions of each kind,
 * not counted; Broadsheet before that also runs the warm-up the bot runs once started (src/discord/
 * warmUp.ts), as that is how it meets its first questions (its time is printed, not counted in the build). Kinds: 1–3 vocabulary words; the same with the last word cut to
 * 3 … n−2 letters (Broadsheet both as submitted and through searchAsYouType); autocomplete of 1–8 typed
 * letters (Broadsheet's suggest, 25 choices; the peers' prefix search for 25); related reading (Broadsheet's
 * more-like-this without curated links; the peers' title + topics query). Limits: search ≤ 100 ms,
 * autocomplete ≤ 50 ms, related ≤ 100 ms at p99.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Article } from '../src/articles/article.ts';
import { loadCorpus } from '../src/articles/loadCorpus.ts';
import { warmUp, type WarmUpReport } from '../src/discord/warmUp.ts';
import { Library } from '../src/search/library.ts';
import type { ResultPage } from '../src/search/types.ts';
import { BENCH_DATA_ROOT, ensureCorpus } from './generateCorpus.ts';
import { fmtMiB, fmtMs, nowMs, renderTable, summarize, timeSync, type LatencySummary } from './measure.ts';
import { flexFields, flexForward } from './peers/flexsearch.ts';
import { miniSearchTuned } from './peers/minisearch.ts';
import type { EngineSpec, PeerDoc } from './peers/types.ts';
import { frequencyQueries, PREFIX_LENGTHS, prefixQueries, type WeightedWords } from './queries.ts';
import { Rng } from './random.ts';
import { buildVocabulary } from './vocabulary.ts';

const WARM_UP = 30;
const PAGE = 10;
const SUGGESTIONS = 25;

const KINDS = ['search', 'half-typed', 'autocomplete', 'related'] as const;
type Kind = (typeof KINDS)[number];
const SLOWEST_KEPT = 5;
const LIMITS: Record<Kind, number> = { search: 100, 'half-typed': 100, autocomplete: 50, related: 100 };

interface Item {
  text: string;
  /** For related: the article. */
  article?: Article;
}

/** One engine's answer to each kind of question; a kind it has two ways of answering gets two rows. */
interface Contender {
  name: string;
  ask: Partial<Record<Kind | 'half-typed (as you type)', (item: Item) => unknown>>;
  /** What the engine runs once started, before its first questions (Broadsheet's bot warms up). */
  warmUp?: () => Promise<WarmUpReport>;
}

interface Cli {
  size: number;
  seed: number;
  queries: number;
  flexTolerant: boolean;
  /** `--kinds autocomplete,related`: only these kinds are asked (all four when absent). */
  kinds: Kind[];
}

function parseCli(argv: string[]): Cli {
  const get = (name: string, fallback: string): number => {
    const i = argv.indexOf(name);
    const value = Number((i >= 0 ? argv[i + 1] : undefined) ?? fallback);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name}: a positive whole number`);
    return value;
  };
  return {
    size: get('--size', '100000'),
    seed: get('--seed', '1'),
    queries: get('--queries', '300'),
    flexTolerant: argv.includes('--flex-tolerant'),
    kinds: parseKinds(argv[argv.indexOf('--kinds') + 1], argv.includes('--kinds')),
  };
}

function parseKinds(value: string | undefined, given: boolean): Kind[] {
  if (!given) return [...KINDS];
  const kinds = (value ?? '').split(',').filter(Boolean);
  const unknown = kinds.filter((kind) => !(KINDS as readonly string[]).includes(kind));
  if (!kinds.length || unknown.length)
    throw new Error(`--kinds: a comma-separated list of ${KINDS.join(', ')}`);
  return kinds as Kind[];
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Heap plus memory outside it (typed arrays, SQLite), after a full GC. */
function memoryMiB(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / 1024 / 1024;
}

function halfTypedQueries(rng: Rng, vocab: WeightedWords, count: number): string[] {
  const out: string[] = [];
  for (let guard = 0; out.length < count && guard < count * 1000; guard++) {
    const words = frequencyQueries(rng, vocab, 1)[0]!.split(' ');
    const last = [...(words.at(-1) ?? '')];
    if (last.length < 5 || !/^\p{L}+$/u.test(last.join(''))) continue;
    words[words.length - 1] = last.slice(0, rng.int(3, last.length - 2)).join('');
    out.push(words.join(' '));
  }
  return out;
}

function broadsheetContender(lib: Library): Contender {
  const page = (p: ResultPage) => p.results.length;
  return {
    name: 'Broadsheet',
    warmUp: () => warmUp(lib, async () => true),
    ask: {
      search: ({ text }) => page(lib.search(text, { limit: PAGE })),
      'half-typed': ({ text }) => page(lib.search(text, { limit: PAGE })),
      'half-typed (as you type)': ({ text }) => page(lib.searchAsYouType(text, { limit: PAGE })),
      autocomplete: ({ text }) =>
        lib.suggest(text, { kind: 'query', limit: SUGGESTIONS, fresh: true }).length,
      related: ({ article }) => page(lib.related(article!.id, { curated: false, limit: PAGE })),
    },
  };
}

async function peerContender(spec: EngineSpec, docs: readonly PeerDoc[]): Promise<Contender> {
  const engine = await spec.build({ docs, strippedDir: '' });
  const search = engine.search!;
  const related = engine.related!;
  return {
    name: spec.name,
    ask: {
      search: ({ text }) => search(text, PAGE).length,
      'half-typed': ({ text }) => search(text, PAGE).length,
      autocomplete: ({ text }) => search(text, SUGGESTIONS).length,
      related: ({ article }) => related(article!.webUrl, PAGE).length,
    },
  };
}

async function main(): Promise<void> {
  const { size, seed, queries, flexTolerant, kinds } = parseCli(process.argv.slice(2));
  const flex = flexTolerant ? flexFields : flexForward;
  if (!(globalThis as { gc?: unknown }).gc) console.log('(run with --expose-gc for memory figures after GC)');
  const corpus = ensureCorpus(size, seed, (m) => console.log(m));
  const loaded = timeSync(() => loadCorpus(corpus.articlesDir, { cacheDir: null }));
  const articles = loaded.value.articles;
  const docs: PeerDoc[] = articles.map((a) => ({
    url: a.webUrl,
    title: a.title,
    excerpt: a.excerpt,
    topics: a.topics,
    provider: a.provider.name,
    publishedAt: a.publishedAt,
  }));
  console.log(
    `search speed: ${articles.length.toLocaleString('en-US')} synthetic articles (seed ${seed}), parsed in ` +
      `${fmtMs(loaded.ms)}; node ${process.version}; every engine indexes all of them`,
  );

  // ---- build one after the other; memory is what each build adds
  const built: { contender: Contender; buildMs: number; memoryMiB: number }[] = [];
  const builders: { name: string; build: () => Promise<Contender> }[] = [
    { name: 'Broadsheet', build: async () => broadsheetContender(Library.fromArticles(articles)) },
    { name: flex.name, build: () => peerContender(flex, docs) },
    { name: miniSearchTuned.name, build: () => peerContender(miniSearchTuned, docs) },
  ];
  for (const b of builders) {
    const before = memoryMiB();
    const start = nowMs();
    const contender = await b.build();
    const buildMs = nowMs() - start;
    built.push({ contender, buildMs, memoryMiB: memoryMiB() - before });
    console.log(`  built ${b.name} in ${fmtMs(buildMs)}`);
    if (contender.warmUp) {
      const report = await contender.warmUp();
      console.log(
        `  warmed ${b.name} up as the bot does once started: ${report.questions} questions in ${fmtMs(report.ms)}`,
      );
    }
  }

  // ---- the questions
  const vocab = buildVocabulary(seed);
  const words: WeightedWords = { words: vocab.words, sampler: vocab.sampler };
  const rng = new Rng(`speed:${seed}`);
  const perLength = Math.ceil(queries / PREFIX_LENGTHS.length);
  const live = articles.filter((a) => a.published);
  const items: Record<Kind, Item[]> = {
    search: frequencyQueries(rng, words, queries + WARM_UP).map((text) => ({ text })),
    'half-typed': halfTypedQueries(rng, words, queries + WARM_UP).map((text) => ({ text })),
    autocomplete: rng.sample(
      PREFIX_LENGTHS.flatMap((len) => prefixQueries(rng, words, len, perLength + 4)).map((text) => ({
        text,
      })),
      queries + WARM_UP,
    ),
    related: rng.sample(live, queries + WARM_UP).map((article) => ({ text: article.title, article })),
  };

  // ---- interleaved: query i of a kind goes to every engine, in an order drawn afresh each time. Not
  // rotated: with three engines in rotation one of them follows MiniSearch (whose garbage the next
  // collection pays for) two times in three.
  const rows = [...built.map((b) => b.contender)];
  const orderRng = new Rng(`speed-order:${seed}`);
  const times = new Map<string, number[]>();
  /** The slowest questions of each engine and kind: what its p99 is made of. */
  const slowest = new Map<string, { text: string; ms: number }[]>();
  for (const kind of kinds) {
    const started = nowMs();
    items[kind].forEach((item, i) => {
      for (const contender of orderRng.sample(rows, rows.length)) {
        for (const [label, ask] of Object.entries(contender.ask)) {
          if (label !== kind && !label.startsWith(`${kind} (`)) continue;
          const start = nowMs();
          ask!(item);
          const ms = nowMs() - start;
          if (i < WARM_UP) continue;
          const key = `${contender.name}|${label}`;
          const sample = times.get(key) ?? [];
          sample.push(ms);
          times.set(key, sample);
          const slow = slowest.get(key) ?? [];
          slow.push({ text: item.text, ms });
          slow.sort((a, b) => b.ms - a.ms).splice(SLOWEST_KEPT);
          slowest.set(key, slow);
        }
      }
    });
    console.log(
      `  asked ${items[kind].length} ${kind} queries of each engine in ${fmtMs(nowMs() - started)}`,
    );
  }

  const summaries: Record<string, LatencySummary> = {};
  for (const [key, sample] of times) summaries[key] = summarize(sample);
  const labels = [...new Set([...times.keys()].map((k) => k.split('|')[1]!))];
  const header = ['p50 / p99', ...rows.map((r) => r.name), 'limit (p99)'];
  const body = labels.map((label) => {
    const kind = label.split(' (')[0] as Kind;
    return [
      label,
      ...rows.map((r) => {
        const s = summaries[`${r.name}|${label}`];
        return s ? `${fmtMs(s.p50)} / ${fmtMs(s.p99)}` : '—';
      }),
      `≤ ${LIMITS[kind]} ms`,
    ];
  });
  body.push(['build', ...built.map((b) => fmtMs(b.buildMs)), '']);
  body.push(['memory (heap + external, after GC)', ...built.map((b) => fmtMiB(b.memoryMiB)), '']);
  console.log(`\n### Search speed, ${size.toLocaleString('en-US')} articles, ${queries} queries a kind\n`);
  console.log(renderTable(header, body));
  console.log(
    '\nBroadsheet half-typed “as submitted” is lib.search (what Enter gives); “as you type” is searchAsYouType.\n' +
      `Peers: FlexSearch answers from its forward index${flexTolerant ? ', then tolerant,' : ''} then with suggest; ` +
      'MiniSearch with AND, then OR.',
  );

  console.log('\nSlowest questions (ms):');
  for (const [key, slow] of slowest)
    console.log(
      `  ${key.replace('|', ', ')}: ${slow.map((q) => `${JSON.stringify(q.text.slice(0, 40))} ${fmtMs(q.ms)}`).join('; ')}`,
    );

  const out = path.join(BENCH_DATA_ROOT, `search-speed-${size}-${seed}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        size,
        seed,
        queries,
        engines: built.map((b) => ({ name: b.contender.name, buildMs: b.buildMs, memoryMiB: b.memoryMiB })),
        latency: summaries,
        slowest: Object.fromEntries(slowest),
      },
      null,
      1,
    ),
  );
  console.log(`(saved to ${path.relative(process.cwd(), out)})`);
}

await main();
