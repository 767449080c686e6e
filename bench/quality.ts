/**
 * Relevance on the real corpus: `tsx bench/quality.ts [--corpus DIR] [--seed 7] [--n 300] [--examples 5]`
 *
 * Judged sets, built from the corpus with a fixed seed:
 *   known item   3–5 distinctive title words → that article (and its same-title syndicated copies)
 *   typo         the same queries with one edit in a word of ≥ 5 letters
 *   half-typed   the same queries cut in the middle of their last word
 *   topical      each curator topic's name → the live articles carrying that topic
 *   related      related(id, { curated: false }) judged by the article's hidden curated `related` list
 * Broadsheet's engine against plain lunr 2.3.9 with default settings (lunrBaseline.ts).
 * Only live articles (`published !== false`) are ever relevant, and lunr's results are filtered to live
 * articles as well (a filter any bot would have); the engine never returns anything else.
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import type lunr from 'lunr';
import type { Article } from '../src/articles/article.ts';
import { loadCorpus } from '../src/articles/loadCorpus.ts';
import { FIELD_WEIGHTS, type Field } from '../src/search/textIndex.ts';
import { Library } from '../src/search/library.ts';
import type { ResultPage } from '../src/search/types.ts';
import { buildLunrIndex, lunrMoreLikeThis, lunrSearch, type BaselineResult } from './lunrBaseline.ts';
import { fmtMs, fmtRatio, nowMs, renderTable, summarize, timeSync } from './measure.ts';
import { halfTyped, knownItemQuery, titleWords, withTypo, wordKey, type KnownItemQuery } from './queries.ts';
import { Rng } from './random.ts';

/** The corpus to judge on: `--corpus DIR`, else BENCH_CORPUS, else the bundled sample corpus. */
const DEFAULT_CORPUS = process.env.BENCH_CORPUS ?? 'seeds';
const TOP = 25;

// ---------------------------------------------------------------- judging helpers

/** The spec's URL key: lower-case host without www., no fragment, no utm_*, no trailing slash (scheme dropped). */
export function normalizeUrlForJudging(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  const host = url.hostname.toLowerCase().replace(/^www\./, '');
  const params = [...url.searchParams].filter(([k]) => !k.toLowerCase().startsWith('utm_'));
  const query = params.length ? `?${new URLSearchParams(params).toString()}` : '';
  return `${host}${url.port ? `:${url.port}` : ''}${url.pathname.replace(/\/+$/, '')}${query}`;
}

/** Same story title: case, spacing and punctuation ignored ("Diablo 4 - Beta | IGN" = "Diablo 4  Beta IGN"). */
function titleKey(title: string): string {
  return (
    title
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).join(' ');
}

interface Judged {
  query: string;
  relevant: ReadonlySet<string>;
  /** For examples: where the query came from. */
  source?: string;
}

interface RunOutcome {
  ranked: string[];
  error?: string;
  ms: number;
}

interface Metrics {
  n: number;
  mrr10: number;
  /** Mean over queries of |relevant ∩ top k| / |relevant|. */
  recall10: number;
  recall25: number;
  /** Mean of |relevant ∩ top k| / min(k, |relevant|): 1 when the top k is all relevant. */
  cappedRecall25: number;
  /** Share of queries with at least one relevant result in the top 10 / 25. */
  hit10: number;
  hit25: number;
  p10: number;
  empty: number;
  errors: number;
  latency: ReturnType<typeof summarize>;
}

function evaluate(set: readonly Judged[], outcomes: readonly RunOutcome[]): Metrics {
  let mrr = 0;
  let r10 = 0;
  let r25 = 0;
  let c25 = 0;
  let h10 = 0;
  let h25 = 0;
  let p10 = 0;
  let empty = 0;
  let errors = 0;
  set.forEach((j, i) => {
    const o = outcomes[i]!;
    if (o.error) errors++;
    if (o.ranked.length === 0) empty++;
    const first = o.ranked.findIndex((id) => j.relevant.has(id));
    if (first >= 0 && first < 10) mrr += 1 / (first + 1);
    const in10 = o.ranked.slice(0, 10).filter((id) => j.relevant.has(id)).length;
    const in25 = o.ranked.slice(0, 25).filter((id) => j.relevant.has(id)).length;
    r10 += in10 / j.relevant.size;
    r25 += in25 / j.relevant.size;
    c25 += in25 / Math.min(25, j.relevant.size);
    if (in10 > 0) h10++;
    if (in25 > 0) h25++;
    p10 += in10 / 10;
  });
  const n = set.length || 1;
  return {
    n: set.length,
    mrr10: mrr / n,
    recall10: r10 / n,
    recall25: r25 / n,
    cappedRecall25: c25 / n,
    hit10: h10 / n,
    hit25: h25 / n,
    p10: p10 / n,
    empty,
    errors,
    latency: summarize(outcomes.map((o) => o.ms)),
  };
}

function run(
  set: readonly Judged[],
  system: (j: Judged) => { ranked: string[]; error?: string },
): RunOutcome[] {
  return set.map((j) => {
    const start = nowMs();
    const r = system(j);
    return { ...r, ms: nowMs() - start };
  });
}

type Column = 'mrr10' | 'recall10' | 'recall25' | 'cappedRecall25' | 'hit10' | 'p10';
const COLUMN_NAMES: Record<Column, string> = {
  mrr10: 'MRR@10',
  recall10: 'Recall@10',
  recall25: 'Recall@25',
  cappedRecall25: 'R@25 ÷min(25,|rel|)',
  hit10: 'hit@10',
  p10: 'P@10',
};

function printTable(
  title: string,
  note: string,
  columns: readonly Column[],
  rows: readonly { name: string; m: Metrics }[],
): void {
  console.log(`\n### ${title}`);
  console.log(note);
  const header = ['system', ...columns.map((c) => COLUMN_NAMES[c]), 'no results', 'errors', 'p50 / p99'];
  const body = rows.map(({ name, m }) => [
    name,
    ...columns.map((c) => fmtRatio(m[c])),
    `${m.empty}`,
    `${m.errors}`,
    `${fmtMs(m.latency.p50)} / ${fmtMs(m.latency.p99)}`,
  ]);
  console.log(renderTable(header, body));
}

function printMisses(
  label: string,
  set: readonly Judged[],
  ours: readonly RunOutcome[],
  theirs: readonly RunOutcome[],
  byId: ReadonlyMap<string, Article>,
  max: number,
): void {
  if (max <= 0) return;
  const misses = set
    .map((j, i) => ({ j, ours: ours[i]!, theirs: theirs[i]! }))
    .filter(({ j, ours: o }) => !o.ranked.slice(0, 10).some((id) => j.relevant.has(id)));
  if (misses.length === 0) return;
  console.log(`  ${label}: Broadsheet misses the top 10 on ${misses.length}; e.g.`);
  for (const { j, ours: o, theirs: t } of misses.slice(0, max)) {
    const lunrRank = t.ranked.findIndex((id) => j.relevant.has(id));
    const got = o.ranked[0] ? byId.get(o.ranked[0])?.title.slice(0, 60) : '(nothing)';
    console.log(
      `    “${j.query.slice(0, 70)}” → want “${(j.source ?? '').slice(0, 60)}”; got “${got}”` +
        `; lunr rank ${lunrRank >= 0 ? lunrRank + 1 : '—'}`,
    );
  }
}

// ---------------------------------------------------------------- systems

function engineIds(page: ResultPage): string[] {
  return page.results.flatMap((r) => (r.kind === 'article' ? [r.article.id] : []));
}

function lunrIds(result: BaselineResult, live: ReadonlySet<string>): { ranked: string[]; error?: string } {
  return { ranked: result.refs.filter((id) => live.has(id)).slice(0, TOP), error: result.error };
}

// ---------------------------------------------------------------- corpus side data

/** Curated related URLs per article path, read straight from the files (independent of the engine's parser). */
function readRelatedLists(
  dir: string,
  articles: readonly Article[],
): Map<string, { titles: string[]; urls: string[] }> {
  const out = new Map<string, { titles: string[]; urls: string[] }>();
  for (const a of articles) {
    const text = fs.readFileSync(path.join(dir, a.path), 'utf8');
    if (!text.includes('\nrelated:')) continue;
    const end = text.indexOf('\n---', 4);
    const data = yaml.load(text.slice(4, end)) as { related?: { title?: unknown; webUrl?: unknown }[] };
    const related = Array.isArray(data.related) ? data.related : [];
    out.set(a.id, {
      titles: related.map((r) => (typeof r.title === 'string' ? r.title : '')).filter(Boolean),
      urls: related.map((r) => (typeof r.webUrl === 'string' ? r.webUrl : '')).filter(Boolean),
    });
  }
  return out;
}

/** Union of two judged sets keyed by query (relevant sets merged). */
function mergeJudged(a: readonly Judged[], b: readonly Judged[]): Judged[] {
  const byQuery = new Map<string, Judged>();
  for (const j of [...a, ...b]) {
    const prev = byQuery.get(j.query);
    byQuery.set(j.query, prev ? { ...prev, relevant: new Set([...prev.relevant, ...j.relevant]) } : j);
  }
  return [...byQuery.values()];
}

function parseCli(argv: string[]): { corpus: string; seed: number; n: number; examples: number } {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    corpus: path.resolve(get('--corpus') ?? DEFAULT_CORPUS),
    seed: Number(get('--seed') ?? '7'),
    n: Number(get('--n') ?? '300'),
    examples: Number(get('--examples') ?? '5'),
  };
}

/**
 * `--weights title=1,topics=1`: override BM25F field boosts for this run (how the defaults in
 * src/search/textIndex.ts were chosen: compare the tables with and without).
 */
function applyWeightOverrides(argv: string[]): void {
  const i = argv.indexOf('--weights');
  if (i < 0) return;
  for (const pair of (argv[i + 1] ?? '').split(',')) {
    const [field, value] = pair.split('=');
    const weight = FIELD_WEIGHTS[field as Field];
    if (!weight || !Number.isFinite(Number(value))) throw new Error(`--weights: bad entry ${pair}`);
    weight.boost = Number(value);
  }
  console.log(`field boosts: ${JSON.stringify(FIELD_WEIGHTS)}`);
}

async function main(): Promise<void> {
  const { corpus, seed, n, examples } = parseCli(process.argv.slice(2));
  applyWeightOverrides(process.argv.slice(2));
  const t0 = nowMs();
  const loaded = timeSync(() => loadCorpus(corpus, { cacheDir: null }));
  const articles = loaded.value.articles;
  const built = timeSync(() => Library.fromArticles(articles));
  const lib = built.value;
  const live = articles.filter((a) => a.published);
  const liveIds = new Set(live.map((a) => a.id));
  const byId = new Map(articles.map((a) => [a.id, a]));
  const lunrBuilt = timeSync(() =>
    buildLunrIndex(
      articles.map((a) => ({
        id: a.id,
        title: a.title,
        excerpt: a.excerpt,
        topics: a.topics,
        body: a.body,
        published: a.published,
      })),
    ),
  );
  const idx: lunr.Index = lunrBuilt.value;
  const now = Math.max(...articles.map((a) => a.publishedAt ?? 0)) + 86_400_000;
  console.log(
    `corpus ${corpus}: ${articles.length} articles (${live.length} live), ${loaded.value.problems.length} problems; ` +
      `load ${fmtMs(loaded.ms)}, Broadsheet build ${fmtMs(built.ms)}, lunr build ${fmtMs(lunrBuilt.ms)}; seed ${seed}`,
  );
  console.log(
    `"now" for freshness: ${new Date(now).toISOString().slice(0, 10)} (a day after the newest article)`,
  );

  // Document frequency of title/excerpt words, to pick distinctive title words.
  const docFreq = new Map<string, number>();
  for (const a of articles) {
    const seen = new Set([...titleWords(a.title), ...titleWords(a.excerpt)].map(wordKey));
    for (const w of seen) docFreq.set(w, (docFreq.get(w) ?? 0) + 1);
  }
  const byTitle = new Map<string, string[]>();
  for (const a of live) {
    const k = titleKey(a.title);
    byTitle.set(k, [...(byTitle.get(k) ?? []), a.id]);
  }

  const engineSearch = (j: Judged) => ({ ranked: engineIds(lib.search(j.query, { limit: TOP, now })) });
  const lunrPlain = (j: Judged) => lunrIds(lunrSearch(idx, j.query), liveIds);

  // ---- known item, typo, half-typed
  const rng = new Rng(`quality:${seed}`);
  const pool = rng.sample(live, live.length);
  const known: KnownItemQuery[] = [];
  for (const a of pool) {
    if (known.length >= n) break;
    const q = knownItemQuery(rng, a.id, a.title, docFreq);
    if (q) known.push(q);
  }
  const judge = (q: KnownItemQuery): Judged => {
    const source = byId.get(q.sourceId)!;
    return {
      query: q.query,
      relevant: new Set(byTitle.get(titleKey(source.title)) ?? [q.sourceId]),
      source: source.title,
    };
  };
  const knownSet = known.map(judge);
  const typoSet = known.flatMap((q) => {
    const t = withTypo(rng, q);
    return t ? [judge(t)] : [];
  });
  const halfSet = known.flatMap((q) => {
    const h = halfTyped(q);
    return h ? [judge(h)] : [];
  });
  const copies = knownSet.filter((j) => j.relevant.size > 1).length;

  const kCols: Column[] = ['mrr10', 'recall10', 'recall25'];
  const knownOurs = run(knownSet, engineSearch);
  const knownLunr = run(knownSet, lunrPlain);
  printTable(
    `Known item (${knownSet.length} queries)`,
    `3–5 of the title's rarest words, in title order; relevant: the article and its same-title copies (${copies} queries have copies).\n` +
      'Recall@k counts every copy; Broadsheet shows one result per story, so a query with copies can score below 1 even when found.',
    [...kCols, 'hit10'],
    [
      { name: 'Broadsheet search()', m: evaluate(knownSet, knownOurs) },
      { name: 'plain lunr (escaped)', m: evaluate(knownSet, knownLunr) },
    ],
  );
  printMisses('known item', knownSet, knownOurs, knownLunr, byId, examples);

  const typoOurs = run(typoSet, engineSearch);
  const typoLunr = run(typoSet, lunrPlain);
  printTable(
    `Known item with a typo (${typoSet.length} queries)`,
    'The known-item queries with one substitution, deletion or insertion (not the first letter) in one word of ≥ 5 letters.',
    [...kCols, 'hit10'],
    [
      { name: 'Broadsheet search()', m: evaluate(typoSet, typoOurs) },
      { name: 'plain lunr (escaped)', m: evaluate(typoSet, typoLunr) },
    ],
  );
  printMisses('typo', typoSet, typoOurs, typoLunr, byId, examples);

  const halfOurs = run(halfSet, engineSearch);
  const halfSuggest = run(halfSet, (j) => ({
    ranked: lib.suggest(j.query, { kind: 'article', limit: TOP }).map((s) => s.value),
  }));
  const halfLunr = run(halfSet, lunrPlain);
  const halfLunrStar = run(halfSet, (j) => lunrIds(lunrSearch(idx, `${j.query}*`), liveIds));
  printTable(
    `Half-typed (${halfSet.length} queries)`,
    'The known-item queries cut in the middle of their last word (≥ 4 letters; first half kept, rounded up).',
    [...kCols, 'hit10'],
    [
      { name: 'Broadsheet search()', m: evaluate(halfSet, halfOurs) },
      { name: "Broadsheet suggest(kind 'article')", m: evaluate(halfSet, halfSuggest) },
      { name: 'plain lunr (escaped)', m: evaluate(halfSet, halfLunr) },
      { name: 'lunr, `*` appended (not default)', m: evaluate(halfSet, halfLunrStar) },
    ],
  );
  printMisses('half-typed suggest', halfSet, halfSuggest, halfLunr, byId, examples);

  // ---- topical
  const topicSet: Judged[] = lib.topics().map((t) => ({
    query: t.name,
    relevant: new Set(live.filter((a) => a.topicKeys.includes(t.key)).map((a) => a.id)),
    source: `topic ${t.name} (${t.count})`,
  }));
  const topicOurs = run(topicSet, engineSearch);
  const topicLunr = run(topicSet, lunrPlain);
  printTable(
    `Topical (${topicSet.length} topic names as queries)`,
    'Query: the topic name as written; relevant: every live article carrying the topic. R@25 is divided by min(25, |relevant|).',
    ['mrr10', 'p10', 'cappedRecall25', 'hit10'],
    [
      { name: 'Broadsheet search()', m: evaluate(topicSet, topicOurs) },
      { name: 'plain lunr (escaped)', m: evaluate(topicSet, topicLunr) },
    ],
  );
  printMisses('topical', topicSet, topicOurs, topicLunr, byId, examples);

  // ---- related reading
  const related = readRelatedLists(corpus, articles);
  const byUrl = new Map<string, string>();
  for (const a of live) {
    const u = normalizeUrlForJudging(a.webUrl);
    if (u) byUrl.set(u, a.id);
  }
  const withUrlPairs: Judged[] = [];
  const withTitlePairs: Judged[] = [];
  for (const a of live) {
    const list = related.get(a.id);
    if (!list) continue;
    const own = titleKey(a.title);
    const ok = (id: string | undefined): id is string =>
      id !== undefined && id !== a.id && titleKey(byId.get(id)?.title ?? '') !== own;
    const urlRel = new Set(list.urls.map((u) => byUrl.get(normalizeUrlForJudging(u) ?? '')).filter(ok));
    if (urlRel.size) withUrlPairs.push({ query: a.id, relevant: urlRel, source: a.title });
    const titleRel = new Set(list.titles.flatMap((t) => byTitle.get(titleKey(t)) ?? []).filter(ok));
    if (titleRel.size) withTitlePairs.push({ query: a.id, relevant: titleRel, source: a.title });
  }
  const fallback = withUrlPairs.length < n;
  const relPool = fallback ? mergeJudged(withUrlPairs, withTitlePairs) : withUrlPairs;
  const relSet = new Rng(`related:${seed}`).sample(relPool, n);
  const sizes = relSet.map((j) => j.relevant.size).sort((x, y) => x - y);
  const relOurs = run(relSet, (j) => ({
    ranked: engineIds(lib.related(j.query, { curated: false, limit: TOP })),
  }));
  const relLunr = run(relSet, (j) => {
    const a = byId.get(j.query)!;
    return lunrIds(lunrMoreLikeThis(idx, { id: a.id, title: a.title, topics: a.topics }), liveIds);
  });
  printTable(
    `Related reading (${relSet.length} of ${relPool.length} live articles whose curated list links live corpus articles)`,
    'Relevant: the live corpus articles the hidden curated list links by normalised URL' +
      (fallback
        ? ` or by the same story title (fallback: only ${withUrlPairs.length} articles had URL links)`
        : ` (${withUrlPairs.length} articles have such links, so the same-story-title fallback was not needed)`) +
      `;\nthe article's own same-title copies excluded. |relevant| median ${sizes[Math.floor(sizes.length / 2)] ?? 0}, max ${sizes.at(-1) ?? 0}.\n` +
      'Broadsheet: related(id, { curated: false }); lunr: more-like-this (title + topic words OR-ed).',
    ['mrr10', 'p10', 'recall10', 'recall25', 'cappedRecall25'],
    [
      { name: 'Broadsheet related(curated:false)', m: evaluate(relSet, relOurs) },
      { name: 'plain lunr more-like-this', m: evaluate(relSet, relLunr) },
    ],
  );
  console.log(`\ntotal ${((nowMs() - t0) / 1000).toFixed(1)} s`);
}

await main();
