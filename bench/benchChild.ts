/**
 * One measurement in a fresh process (spawned by bench/run.ts as `node --import tsx --expose-gc`), so
 * peak RSS and start-up time belong to that measurement alone. Results go to --out as JSON lines
 * (`{"key": ..., "value": ...}`), written as they are measured: if the parent has to kill a runaway query,
 * everything measured before it is kept.
 *
 *   --engine broadsheet|lunr  --mode cold|prime|warm  --articles DIR  --data DIR  --seed N  --out FILE
 *
 * cold:  load files without a cache, build the index in memory, then measure every query kind.
 * prime: the app's cold start (loadLibrary with an empty data dir, which writes the cache).
 * warm:  the app's start-up from that cache, then a few checks that it answers like the cold build.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Article } from '../src/articles/article.ts';
import type { Library } from '../src/search/library.ts';
import type { ResultPage, Suggestion } from '../src/search/types.ts';
import {
  buildLunrIndex,
  loadBaselineDocs,
  loadLunrCache,
  lunrMoreLikeThis,
  lunrPrefix,
  lunrSearch,
  saveLunrCache,
  type BaselineDoc,
} from './lunrBaseline.ts';
import { nowMs, peakRssMiB, StallProbe, summarize, timeSync, yieldToLoop } from './measure.ts';
import {
  frequencyQueries,
  hardQueries,
  PREFIX_LENGTHS,
  prefixQueries,
  SUGGEST_KINDS,
  type WeightedWords,
} from './queries.ts';
import { Rng } from './random.ts';
import { buildVocabulary } from './vocabulary.ts';
import type lunr from 'lunr';

const NORMAL_QUERIES = 500;
const HARD_REPEATS = 3;
const RELATED_SAMPLE = 200;
const FINGERPRINT_QUERIES = 60;

interface Args {
  engine: 'broadsheet' | 'lunr';
  mode: 'cold' | 'prime' | 'warm';
  articles: string;
  data: string;
  seed: number;
  out: string;
  prefixSamples: number;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string): string => {
    const i = argv.indexOf(`--${name}`);
    const v = i >= 0 ? argv[i + 1] : undefined;
    if (v === undefined) throw new Error(`benchChild: missing --${name}`);
    return v;
  };
  const engine = get('engine');
  const mode = get('mode');
  if (engine !== 'broadsheet' && engine !== 'lunr') throw new Error(`unknown engine ${engine}`);
  if (mode !== 'cold' && mode !== 'prime' && mode !== 'warm') throw new Error(`unknown mode ${mode}`);
  return {
    engine,
    mode,
    articles: get('articles'),
    data: get('data'),
    seed: Number(get('seed')),
    out: get('out'),
    prefixSamples: Number(get('prefix-samples')),
  };
}

let outFile = '';
function emit(key: string, value: unknown): void {
  fs.appendFileSync(outFile, `${JSON.stringify({ key, value })}\n`);
}

function gcNow(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function heapUsedMiB(): number {
  gcNow();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

function latencies(items: readonly string[], run: (item: string) => unknown): number[] {
  return items.map((item) => {
    const start = nowMs();
    run(item);
    return nowMs() - start;
  });
}

function queryWords(seed: number): WeightedWords {
  const vocab = buildVocabulary(seed);
  return { words: vocab.words, sampler: vocab.sampler };
}

/** Top-5 ids of a fixed query list: cold build and warm cache must give the same answers. */
function fingerprint(lib: Library, queries: readonly string[]): string[] {
  return queries.map((q) =>
    lib
      .search(q, { limit: 5, now: 0 })
      .results.map((r) => (r.kind === 'article' ? r.article.id : r.link.webUrl))
      .join(','),
  );
}

function describePage(page: ResultPage): { total: number; notice?: string; top?: string } {
  const first = page.results[0];
  const top = first
    ? (first.kind === 'article' ? first.article.title : first.link.title).slice(0, 50)
    : undefined;
  return {
    total: page.total,
    notice: page.notices.map((notice) => notice.kind).join(', ') || undefined,
    top,
  };
}

// ---------------------------------------------------------------- broadsheet

async function broadsheet(args: Args): Promise<void> {
  const { loadCorpus } = await import('../src/articles/loadCorpus.ts');
  const libraryModule = await import('../src/search/library.ts');
  const { loadLibrary } = await import('../src/search/loadLibrary.ts');
  const probe = new StallProbe();
  const rng = new Rng(`child:${args.seed}`);
  const words = queryWords(args.seed);
  const normal = frequencyQueries(rng, words, NORMAL_QUERIES);
  const hard = hardQueries(rng, words);
  const fpQueries = [...normal.slice(0, FINGERPRINT_QUERIES), ...hard.map((h) => h.text)];
  await yieldToLoop();

  let lib: Library;
  if (args.mode === 'cold') {
    await probe.settle();
    probe.takeMax();
    const load = timeSync(() => loadCorpus(args.articles, { cacheDir: null }));
    await probe.settle();
    emit('loadMs', load.ms);
    emit('loadStallMs', probe.takeMax());
    emit('articles', load.value.articles.length);
    emit('rejected', load.value.problems.filter((p) => p.severity === 'rejected').length);
    emit('warnings', load.value.problems.filter((p) => p.severity === 'warning').length);
    const build = timeSync(() => libraryModule.Library.fromArticles(load.value.articles));
    await probe.settle();
    emit('buildMs', build.ms);
    emit('buildStallMs', probe.takeMax());
    lib = build.value;
    emit('heapAfterBuildMiB', heapUsedMiB());
  } else {
    await probe.settle();
    probe.takeMax();
    const start = nowMs();
    const loaded = loadLibrary({ articlesDir: args.articles, dataDir: args.data });
    const ms = nowMs() - start;
    await probe.settle();
    emit('startMs', ms);
    emit('readyAtMs', performance.now());
    emit('startStallMs', probe.takeMax());
    emit('timings', loaded.timings);
    emit('articles', loaded.library.size);
    emit('rejected', loaded.problems.filter((p) => p.severity === 'rejected').length);
    emit('heapAfterStartMiB', heapUsedMiB());
    lib = loaded.library;
  }
  emit('fingerprint', fingerprint(lib, fpQueries));

  const live = lib.articles().filter((a: Article) => a.published);
  const relatedIds = new Rng(`related:${args.seed}`).sample(live, RELATED_SAMPLE).map((a) => a.id);
  if (args.mode === 'prime') {
    emit('maxRssMiB', peakRssMiB());
    probe.stop();
    return;
  }
  // A short warm-up so the first measured queries do not pay for JIT compilation alone.
  for (const q of normal.slice(0, 50)) lib.search(q);

  emit('searchNormal', summarize(latencies(normal, (q) => lib.search(q))));
  emit('related', summarize(latencies(relatedIds, (id) => lib.related(id))));
  if (args.mode === 'warm') {
    emit('maxRssMiB', peakRssMiB());
    probe.stop();
    return;
  }
  emit('relatedUncurated', summarize(latencies(relatedIds, (id) => lib.related(id, { curated: false }))));

  for (const kind of SUGGEST_KINDS) {
    for (const len of PREFIX_LENGTHS) {
      const prefixes = prefixQueries(new Rng(`prefix:${args.seed}:${len}`), words, len, args.prefixSamples);
      let bad = 0;
      const sample = latencies(prefixes, (p) => {
        const s: readonly Suggestion[] = lib.suggest(p, { kind, fresh: true });
        bad += s.filter(
          (x) => x.name.length < 1 || x.name.length > 100 || x.value.length < 1 || x.value.length > 100,
        ).length;
        if (s.length > 25) bad++;
      });
      emit(`suggest:${kind}:${len}`, { ...summarize(sample), invalid: bad });
    }
  }

  const mixed: number[] = latencies(normal, (q) => lib.search(q));
  for (const h of hard) {
    emit('running', { label: h.label, at: Date.now() });
    const times: number[] = [];
    let page: ResultPage | undefined;
    let error: string | undefined;
    for (let r = 0; r < HARD_REPEATS; r++) {
      const start = nowMs();
      try {
        page = lib.search(h.text);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      times.push(nowMs() - start);
    }
    mixed.push(...times);
    emit(`hard:${h.label}`, { ms: Math.max(...times), ...(page ? describePage(page) : {}), error });
  }
  emit('running', null);
  emit('searchMixed', summarize(mixed));
  emit('maxRssMiB', peakRssMiB());
  probe.stop();
}

// ---------------------------------------------------------------- plain lunr

async function plainLunr(args: Args): Promise<void> {
  const probe = new StallProbe();
  const rng = new Rng(`child:${args.seed}`);
  const words = queryWords(args.seed);
  const normal = frequencyQueries(rng, words, NORMAL_QUERIES);
  const hard = hardQueries(rng, words);
  const cacheFile = path.join(args.data, 'lunr-cache.json');
  await yieldToLoop();

  let idx: lunr.Index;
  let docs: BaselineDoc[];
  if (args.mode === 'warm') {
    await probe.settle();
    probe.takeMax();
    const start = nowMs();
    ({ idx, docs } = loadLunrCache(cacheFile));
    const ms = nowMs() - start;
    await probe.settle();
    emit('startMs', ms);
    emit('readyAtMs', performance.now());
    emit('startStallMs', probe.takeMax());
    emit('articles', docs.length);
    emit('heapAfterStartMiB', heapUsedMiB());
  } else {
    await probe.settle();
    probe.takeMax();
    const start = nowMs();
    const load = timeSync(() => loadBaselineDocs(args.articles));
    await probe.settle();
    emit('loadMs', load.ms);
    emit('loadStallMs', probe.takeMax());
    emit('articles', load.value.length);
    docs = load.value;
    const build = timeSync(() => buildLunrIndex(docs));
    await probe.settle();
    emit('buildMs', build.ms);
    emit('buildStallMs', probe.takeMax());
    idx = build.value;
    if (args.mode === 'prime') {
      const save = timeSync(() => saveLunrCache(cacheFile, idx, docs));
      emit('saveMs', save.ms);
      emit('startMs', nowMs() - start);
      emit('maxRssMiB', peakRssMiB());
      probe.stop();
      return;
    }
    emit('heapAfterBuildMiB', heapUsedMiB());
  }

  for (const q of normal.slice(0, 50)) lunrSearch(idx, q);
  emit('searchNormal', summarize(latencies(normal, (q) => lunrSearch(idx, q))));
  if (args.mode === 'warm') {
    emit('maxRssMiB', peakRssMiB());
    probe.stop();
    return;
  }
  const live = docs.filter((d) => d.published);
  const related = new Rng(`related:${args.seed}`).sample(live, RELATED_SAMPLE);
  emit('relatedUncurated', summarize(related.map((d) => timeSync(() => lunrMoreLikeThis(idx, d)).ms)));
  for (const len of PREFIX_LENGTHS) {
    const prefixes = prefixQueries(new Rng(`prefix:${args.seed}:${len}`), words, len, args.prefixSamples);
    emit(`suggest:prefix*:${len}`, summarize(latencies(prefixes, (p) => lunrPrefix(idx, p))));
  }
  emit('maxRssMiB', peakRssMiB());

  // Hard queries last, one run each: some of them run for minutes (the parent kills those).
  const mixed: number[] = latencies(normal, (q) => lunrSearch(idx, q));
  emit('searchMixedPartial', summarize(mixed));
  for (const h of hard) {
    emit('running', { label: h.label, at: Date.now() });
    const t = timeSync(() => lunrSearch(idx, h.text));
    mixed.push(t.ms);
    emit(`hard:${h.label}`, { ms: t.ms, total: t.value.total, error: t.value.error });
    emit('maxRssMiB', peakRssMiB());
  }
  emit('running', null);
  emit('searchMixed', summarize(mixed));
  probe.stop();
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  outFile = args.out;
  process.env.DATA_DIR = args.data;
  if (args.engine === 'broadsheet') await broadsheet(args);
  else await plainLunr(args);
  emit('exit', 'ok');
}

main().catch((error: unknown) => {
  emit('error', error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
