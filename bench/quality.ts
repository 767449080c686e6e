/**
 * Relevance on the real corpus, judged the way issue 13's outside judge judges it, with the peers side by side:
 *
 *   npm run bench:quality -- [--corpus DIR] [--seed 13] [--n 300] [--related-cap 500] [--pipe] [--examples 0]
 *
 * The sets (bench/judgedSets.ts) are drawn from the corpus with the seed; every engine indexes the live
 * articles of a copy of the corpus with every `related:` block removed (Broadsheet loads that copy through
 * loadLibrary, as the bot would). Known-item sets score MRR@10 of the exact target URL; topical queries P@10
 * by the curators' topic labels; related reading recall@10 of the curated links that are corpus articles.
 * `--engines A,B` scores only those engines (tuning). `--pipe` also asks Broadsheet every query through local mode's `--json` pipe and checks the answers agree.
 * Prints one table (set × engine, best peer, goal) and writes everything, per query, to
 * data/quality/<time>-seed<N>.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from './generateCorpus.ts';
import {
  allWordsFirstExpectedRR,
  bestExpectedRR,
  drawJudgedSets,
  labelKey,
  readJudgeCorpus,
  writeStrippedCopy,
  type JudgeArticle,
  type JudgedSets,
  type KnownItemKind,
  type KnownItemQuery,
} from './judgedSets.ts';
import { fmtMs, fmtRatio, nowMs, renderTable, summarize, type LatencySummary } from './measure.ts';
import { broadsheet, broadsheetPipe, type BroadsheetEngine } from './peers/broadsheet.ts';
import { QUALITY_ENGINES } from './peers/index.ts';
import type { BuildInput, Engine, PeerDoc } from './peers/types.ts';

const DEFAULT_CORPUS = path.resolve(REPO_ROOT, '..', 'shared', 'corpus', 'real');
const DEFAULT_SEED = 13;
const K = 10;

type SetName = KnownItemKind | 'topical' | 'related';

const SETS: readonly { name: SetName; label: string; metric: string; goal: number }[] = [
  { name: 'title', label: 'Known item, 2 ordinary title words', metric: 'MRR@10', goal: 0.85 },
  { name: 'excerpt', label: 'Known item, 3 excerpt words not in the title', metric: 'MRR@10', goal: 0.95 },
  { name: 'typo', label: 'Known item, adjacent letters swapped (5+ letters)', metric: 'MRR@10', goal: 0.78 },
  { name: 'half', label: 'Known item, last word cut to 3 … n−2 letters', metric: 'MRR@10', goal: 0.78 },
  { name: 'topical', label: '24 natural topical queries, by topic label', metric: 'P@10', goal: 0.92 },
  { name: 'related', label: 'Related reading, curated links in the corpus', metric: 'recall@10', goal: 0.78 },
];

interface Cli {
  corpus: string;
  seed: number;
  n: number;
  relatedCap: number;
  pipe: boolean;
  examples: number;
  engines: string[] | null;
}

function parseCli(argv: string[]): Cli {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, fallback: number): number => {
    const value = Number(get(name) ?? fallback);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name}: a whole number, not ${get(name)}`);
    return value;
  };
  return {
    corpus: path.resolve(get('--corpus') ?? process.env.BENCH_CORPUS ?? DEFAULT_CORPUS),
    seed: num('--seed', DEFAULT_SEED),
    n: num('--n', 300),
    relatedCap: num('--related-cap', 500),
    pipe: argv.includes('--pipe'),
    examples: num('--examples', 0),
    // Tuning: `--engines Broadsheet` scores only the named engines (the report then lacks the peers).
    engines: get('--engines')?.split(',') ?? null,
  };
}

// ---------------------------------------------------------------- scoring one engine on one set

interface SetRun {
  /** Per query: the score that is averaged (reciprocal rank, precision or recall). */
  perQuery: number[];
  /** Per query: the ranked URLs (top K). */
  ranked: string[][];
  empty: number;
  latency: LatencySummary;
}

function timed(
  items: readonly string[],
  ask: (item: string) => string[],
): { ranked: string[][]; ms: number[] } {
  const ranked: string[][] = [];
  const ms: number[] = [];
  for (const item of items) {
    const start = nowMs();
    ranked.push(ask(item).slice(0, K));
    ms.push(nowMs() - start);
  }
  return { ranked, ms };
}

function reciprocalRank(ranked: readonly string[], target: string): number {
  const i = ranked.indexOf(target);
  return i >= 0 && i < K ? 1 / (i + 1) : 0;
}

function scoreSet(
  engine: Engine,
  set: SetName,
  sets: JudgedSets,
  byUrl: ReadonlyMap<string, JudgeArticle>,
): SetRun | null {
  let ranked: string[][];
  let ms: number[];
  let perQuery: number[];
  if (set === 'related') {
    if (!engine.related) return null;
    ({ ranked, ms } = timed(
      sets.related.map((r) => r.sourceUrl),
      (u) => engine.related!(u, K),
    ));
    perQuery = sets.related.map((r, i) => {
      const top = new Set(ranked[i]);
      return r.relevantUrls.filter((u) => top.has(u)).length / r.relevantUrls.length;
    });
  } else if (set === 'topical') {
    if (!engine.search) return null;
    ({ ranked, ms } = timed(
      sets.topical.map((t) => t.query),
      (q) => engine.search!(q, K),
    ));
    perQuery = sets.topical.map((t, i) => {
      const labels = new Set(t.labels.map(labelKey));
      const hits = ranked[i]!.filter((u) => byUrl.get(u)?.topics.some((x) => labels.has(labelKey(x))));
      return hits.length / K;
    });
  } else {
    if (!engine.search) return null;
    const queries = sets.known[set];
    ({ ranked, ms } = timed(
      queries.map((q) => q.query),
      (q) => engine.search!(q, K),
    ));
    perQuery = queries.map((q, i) => reciprocalRank(ranked[i]!, q.targetUrl));
  }
  return { perQuery, ranked, empty: ranked.filter((r) => r.length === 0).length, latency: summarize(ms) };
}

const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

// ---------------------------------------------------------------- reporting

function git(args: string[]): string {
  try {
    return execFileSync('git', args, {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

function printExamples(
  kind: KnownItemKind,
  queries: readonly KnownItemQuery[],
  ours: SetRun,
  bs: BroadsheetEngine,
  max: number,
): void {
  const misses = queries.map((q, i) => ({ q, i })).filter(({ i }) => (ours.perQuery[i] ?? 0) < 1);
  console.log(
    `\n  ${kind}: Broadsheet has the target below rank 1 on ${misses.length} of ${queries.length}; e.g.`,
  );
  for (const { q, i } of misses.slice(0, max)) {
    const rank = ours.ranked[i]!.indexOf(q.targetUrl);
    console.log(
      `    “${q.query}”${q.intended !== q.query ? ` (meant “${q.intended}”)` : ''} → “${q.targetTitle.slice(0, 70)}”: rank ${rank >= 0 ? rank + 1 : '—'}`,
    );
    for (const r of bs.explain(q.query, 3)) {
      console.log(`        ${r.score.toFixed(3)} “${r.title.slice(0, 60)}” (${r.why.slice(0, 60)})`);
    }
  }
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  if (!fs.existsSync(cli.corpus)) {
    console.error(
      `No corpus at ${cli.corpus}. The judged sets are drawn from the real corpus (../shared/corpus/real next to ` +
        'the repository); point at another folder of article files with --corpus DIR (or BENCH_CORPUS).',
    );
    process.exitCode = 2;
    return;
  }
  const started = nowMs();
  const articles = readJudgeCorpus(cli.corpus);
  const sets = drawJudgedSets(articles, { seed: cli.seed, perSet: cli.n, relatedCap: cli.relatedCap });
  const stripped = writeStrippedCopy(cli.corpus);
  const live = articles.filter((a) => a.live);
  const byUrl = new Map(live.map((a) => [a.url, a]));
  const docs: PeerDoc[] = live.map((a) => ({
    url: a.url,
    title: a.title,
    excerpt: a.excerpt,
    topics: a.topics,
    provider: a.provider,
    publishedAt: a.publishedAt,
  }));
  const commit = git(['rev-parse', '--short', 'HEAD']) || 'unknown';
  const dirty = git(['status', '--porcelain', '--', 'src']) !== '';
  console.log(
    `corpus ${cli.corpus}: ${articles.length} articles, ${live.length} live, ${sets.stats.targets} known-item targets; ` +
      `seed ${cli.seed}; commit ${commit}${dirty ? ' (src/ has uncommitted changes)' : ''}`,
  );
  console.log(
    `related: ${sets.related.length} of ${sets.stats.relatedSources} live articles whose curated list links live ` +
      `corpus articles (${sets.related.reduce((n, r) => n + r.relevantUrls.length, 0)} links, ` +
      `${sets.stats.relatedSameTitle} of them to an article with the same title); ` +
      `${stripped.stripped} of ${stripped.files} files had a related block, removed in ${stripped.dir}`,
  );
  const input: BuildInput = {
    docs,
    strippedDir: stripped.dir,
    planned: {
      searches: [
        ...Object.values(sets.known).flatMap((qs) => qs.map((q) => q.query)),
        ...sets.topical.map((t) => t.query),
      ],
      related: sets.related.map((r) => r.sourceUrl),
    },
  };

  // ---- build every engine, one after the other
  const engines: { name: string; description: string; engine: Engine; buildMs: number }[] = [];
  let bs: BroadsheetEngine | undefined;
  for (const spec of QUALITY_ENGINES) {
    if (cli.engines && !cli.engines.includes(spec.name)) continue;
    const start = nowMs();
    const engine = await spec.build(input);
    if (spec === broadsheet) bs = engine as BroadsheetEngine;
    engines.push({ name: spec.name, description: spec.description, engine, buildMs: nowMs() - start });
  }

  // ---- score
  const runs = new Map<string, Map<SetName, SetRun | null>>();
  for (const e of engines) {
    runs.set(e.name, new Map(SETS.map((s) => [s.name, scoreSet(e.engine, s.name, sets, byUrl)])));
  }
  const value = (engine: string, set: SetName): number => {
    const r = runs.get(engine)?.get(set);
    return r ? mean(r.perQuery) : NaN;
  };
  const peers = engines.filter((e) => e.name !== 'Broadsheet').map((e) => e.name);
  const bestPeer = (set: SetName): { name: string; v: number } =>
    peers
      .map((name) => ({ name, v: value(name, set) }))
      .filter((p) => !Number.isNaN(p.v))
      .reduce((a, b) => (b.v > a.v ? b : a), { name: '—', v: -Infinity });

  console.log(`\n### Judged sets, seed ${cli.seed} (MRR@10 unless noted)\n`);
  const header = ['set', 'n', ...engines.map((e) => e.name), 'best peer', 'goal'];
  const rows = SETS.map((s) => {
    const n =
      s.name === 'topical'
        ? sets.topical.length
        : s.name === 'related'
          ? sets.related.length
          : sets.known[s.name].length;
    const best = bestPeer(s.name);
    const ours = value('Broadsheet', s.name);
    return [
      `${s.label}${s.metric === 'MRR@10' ? '' : ` (${s.metric})`}`,
      `${n}`,
      ...engines.map((e) => fmtRatio(value(e.name, s.name), 2)),
      Number.isFinite(best.v) ? `${fmtRatio(best.v, 2)} ${best.name}` : '—',
      `≥ ${s.goal.toFixed(2)}${ours >= s.goal && ours > best.v ? ' ✓' : ''}`,
    ];
  });
  console.log(renderTable(header, rows));

  const reference = (kind: KnownItemKind, words: 'query' | 'intended') =>
    mean(
      allWordsFirstExpectedRR(
        articles,
        kind === 'excerpt' ? 'excerpt' : 'title',
        sets.known[kind].map((q) => ({ words: q[words].split(' '), targetUrl: q.targetUrl })),
      ),
    );
  const ceiling = (kind: 'title' | 'excerpt') =>
    mean(
      bestExpectedRR(
        articles,
        kind,
        sets.known[kind].map((q) => ({ words: q.query.split(' '), targetUrl: q.targetUrl })),
      ),
    );
  const references = {
    title: reference('title', 'query'),
    excerpt: reference('excerpt', 'query'),
    typoCorrected: reference('typo', 'intended'),
    halfCompleted: reference('half', 'intended'),
    bestTitle: ceiling('title'),
    bestExcerpt: ceiling('excerpt'),
  };
  console.log(
    `\nReference (the articles whose title, or for excerpt queries excerpt, holds every query word first, in ` +
      `random order; expected MRR@10): title ` +
      `${fmtRatio(references.title, 2)}, excerpt ${fmtRatio(references.excerpt, 2)}; with the typo corrected ` +
      `${fmtRatio(references.typoCorrected, 2)}, with the word completed ${fmtRatio(references.halfCompleted, 2)}`,
  );
  console.log(
    `Ceiling (ranked by the judge's own odds that each article was drawn as the target, ties at random: what ` +
      `no engine beats on average over draws): title ${fmtRatio(references.bestTitle, 3)}, excerpt ` +
      `${fmtRatio(references.bestExcerpt, 3)}`,
  );

  const onHalf = (answer: (query: string, limit: number) => string[]) =>
    bs ? mean(sets.known.half.map((q) => reciprocalRank(answer(q.query, K), q.targetUrl))) : NaN;
  const halfAsYouType = onHalf((query, limit) => bs!.searchAsYouType(query, limit));
  const halfAutocomplete = onHalf((query, limit) => bs!.autocomplete(query, limit));
  console.log(
    `\nBroadsheet on the half-typed set through searchAsYouType: ${fmtRatio(halfAsYouType, 2)}; ` +
      `through autocomplete's titles: ${fmtRatio(halfAutocomplete, 2)}`,
  );
  console.log('\nNo results (queries answered with nothing), per set in the order above:');
  console.log(
    renderTable(
      ['engine', ...SETS.map((s) => s.name), 'build', 'query p50 / p99 (all sets)'],
      engines.map((e) => {
        const r = SETS.map((s) => runs.get(e.name)!.get(s.name));
        const lat = r.flatMap((x) => (x ? [x.latency] : []));
        return [
          e.name,
          ...r.map((x) => (x ? `${x.empty}` : '—')),
          fmtMs(e.buildMs),
          `${fmtMs(Math.max(...lat.map((l) => l.p50)))} / ${fmtMs(Math.max(...lat.map((l) => l.p99)))}`,
        ];
      }),
    ),
  );
  console.log('\nEngines:');
  for (const e of engines) console.log(`  ${e.name}: ${e.description}`);
  if (bs) console.log(`  Broadsheet load timings: ${JSON.stringify(bs.timings)}`);

  // ---- the terminal pipe, once, as a check that it answers like the library
  let pipeCheck: Record<string, unknown> | undefined;
  if (cli.pipe) {
    const start = nowMs();
    const pipe = await broadsheetPipe.build(input);
    const pipeMs = nowMs() - start;
    const perSet = SETS.map((s) => {
      const run = scoreSet(pipe, s.name, sets, byUrl)!;
      const ours = runs.get('Broadsheet')!.get(s.name)!;
      const same = run.ranked.filter((r, i) => r.join(' ') === ours.ranked[i]!.join(' ')).length;
      return {
        set: s.name,
        value: mean(run.perQuery),
        library: mean(ours.perQuery),
        same,
        n: run.ranked.length,
      };
    });
    console.log(`\nThrough local mode's --json pipe (${fmtMs(pipeMs)} for every query in one process):`);
    console.log(
      renderTable(
        ['set', 'pipe', 'library', 'identical top-10 lists'],
        perSet.map((p) => [p.set, fmtRatio(p.value, 3), fmtRatio(p.library, 3), `${p.same} / ${p.n}`]),
      ),
    );
    pipeCheck = { ms: pipeMs, perSet };
  }

  if (bs && cli.examples > 0) {
    console.log('\nBroadsheet below rank 1 (top 3 with score and why):');
    for (const kind of ['title', 'excerpt', 'typo', 'half'] as const) {
      printExamples(kind, sets.known[kind], runs.get('Broadsheet')!.get(kind)!, bs, cli.examples);
    }
  }

  // ---- everything, per query, for later comparison
  const outDir = path.join(REPO_ROOT, 'data', 'quality');
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const outFile = path.join(outDir, `${stamp}-seed${cli.seed}.json`);
  const perQuery = (name: string, set: SetName) => runs.get(name)?.get(set)?.perQuery ?? null;
  fs.writeFileSync(
    outFile,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        commit,
        srcDirty: dirty,
        corpus: cli.corpus,
        seed: cli.seed,
        stats: sets.stats,
        goals: Object.fromEntries(SETS.map((s) => [s.name, s.goal])),
        engines: engines.map((e) => ({
          name: e.name,
          description: e.description,
          buildMs: e.buildMs,
          scores: Object.fromEntries(SETS.map((s) => [s.name, value(e.name, s.name)])),
          empty: Object.fromEntries(SETS.map((s) => [s.name, runs.get(e.name)?.get(s.name)?.empty ?? null])),
        })),
        references,
        broadsheetHalfTypedAsYouType: halfAsYouType,
        broadsheetHalfTypedAutocomplete: halfAutocomplete,
        pipeCheck,
        sets: {
          known: Object.fromEntries(
            (Object.keys(sets.known) as KnownItemKind[]).map((kind) => [
              kind,
              sets.known[kind].map((q, i) => ({
                ...q,
                scores: Object.fromEntries(engines.map((e) => [e.name, perQuery(e.name, kind)?.[i] ?? null])),
              })),
            ]),
          ),
          topical: sets.topical.map((t, i) => ({
            ...t,
            scores: Object.fromEntries(
              engines.map((e) => [e.name, perQuery(e.name, 'topical')?.[i] ?? null]),
            ),
          })),
          related: sets.related.map((r, i) => ({
            ...r,
            scores: Object.fromEntries(
              engines.map((e) => [e.name, perQuery(e.name, 'related')?.[i] ?? null]),
            ),
          })),
        },
      },
      null,
      1,
    ),
  );
  console.log(
    `\nper-query results: ${path.relative(REPO_ROOT, outFile)}; total ${((nowMs() - started) / 1000).toFixed(1)} s`,
  );
}

await main();
