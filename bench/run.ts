/**
 * `npm run bench [-- --sizes 1000,10000,100000] [--seed 1] [--no-lunr] [--no-peers] [--no-feeds] [--no-store]
 *   [--no-startup] [--no-reload]`
 *
 * For each corpus size: generate (or reuse) a synthetic corpus, then measure Broadsheet's engine and plain
 * lunr 2.3.9 (1k and 10k only; the field-note figures stand in at 100k), each measurement in a fresh child
 * process (`node --import tsx --expose-gc bench/benchChild.ts`), and print one table per size. Then, on the
 * largest size, search speed against FlexSearch and MiniSearch in one process (bench/searchSpeed.ts).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureCorpus, REPO_ROOT } from './generateCorpus.ts';
import { fmtMiB, fmtMs, renderTable, type LatencySummary } from './measure.ts';
import { PREFIX_LENGTHS, SUGGEST_KINDS } from './queries.ts';

const DEFAULT_SIZES = [1000, 10_000, 100_000];
const LUNR_MAX_SIZE = 10_000;
/** A single hard query running longer than this is killed and reported as such. */
const HARD_QUERY_TIMEOUT_MS = 30_000;
const CHILD_TIMEOUT_MS = 15 * 60_000;
const CHILD = path.join(REPO_ROOT, 'bench', 'benchChild.ts');
const LIBRARY = path.join(REPO_ROOT, 'src', 'search', 'library.ts');

type Results = Record<string, unknown>;

interface ChildRun {
  results: Results;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  killedFor?: string;
  stderrTail: string;
}

function parseEvents(file: string): Results {
  const results: Results = {};
  if (!fs.existsSync(file)) return results;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const { key, value } = JSON.parse(line) as { key: string; value: unknown };
      results[key] = value;
    } catch {
      // a line cut by a kill: ignore
    }
  }
  return results;
}

function runChild(
  engine: 'broadsheet' | 'lunr',
  mode: 'cold' | 'prime' | 'warm',
  articles: string,
  data: string,
  seed: number,
  prefixSamples: number,
): Promise<ChildRun> {
  const out = path.join(data, `${engine}-${mode}-${process.pid}.jsonl`);
  fs.mkdirSync(data, { recursive: true });
  fs.rmSync(out, { force: true });
  const args = ['--import', 'tsx', '--expose-gc', CHILD, '--engine', engine, '--mode', mode];
  args.push('--articles', articles, '--data', data, '--seed', String(seed), '--out', out);
  args.push('--prefix-samples', String(prefixSamples));
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, DATA_DIR: data, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    let killedFor: string | undefined;
    const watchdog = setInterval(() => {
      const running = parseEvents(out).running as { label: string; at: number } | null | undefined;
      if (running && Date.now() - running.at > HARD_QUERY_TIMEOUT_MS) {
        killedFor = `hard query "${running.label}" ran over ${HARD_QUERY_TIMEOUT_MS / 1000} s`;
        child.kill('SIGKILL');
      } else if (Date.now() - started > CHILD_TIMEOUT_MS) {
        killedFor = `child ran over ${CHILD_TIMEOUT_MS / 60_000} min`;
        child.kill('SIGKILL');
      }
    }, 1000);
    child.on('exit', (exitCode, signal) => {
      clearInterval(watchdog);
      const results = parseEvents(out);
      fs.rmSync(out, { force: true });
      resolve({
        results,
        exitCode,
        signal,
        wallMs: Date.now() - started,
        killedFor,
        stderrTail: stderr.trim(),
      });
    });
  });
}

function num(r: Results | undefined, key: string): number | undefined {
  const v = r?.[key];
  return typeof v === 'number' ? v : undefined;
}

function lat(r: Results | undefined, key: string): LatencySummary | undefined {
  const v = r?.[key];
  return v && typeof v === 'object' && 'p50' in v ? (v as LatencySummary) : undefined;
}

function p50p99(s: LatencySummary | undefined): string {
  return s ? `${fmtMs(s.p50)} / ${fmtMs(s.p99)}` : '—';
}

/** loadLibrary's own phase timings, e.g. "120 ms / 30 ms (cached) / 80 ms". */
function phases(r: Results | undefined): string {
  const t = r?.timings as Record<string, number | boolean> | undefined;
  if (!t) return '—';
  const ms = (k: string): string => (typeof t[k] === 'number' ? fmtMs(t[k]) : '?');
  return `${ms('loadMs')} / ${ms('indexMs')}${t.indexFromCache ? ' (cached)' : ''} / ${ms('libraryMs')}`;
}

function describeFailure(run: ChildRun | undefined): string | undefined {
  if (!run) return undefined;
  if (run.killedFor) return `killed: ${run.killedFor}`;
  if (run.exitCode !== 0) {
    const err =
      typeof run.results.error === 'string'
        ? run.results.error.split('\n')[0]
        : run.stderrTail.split('\n').at(-1);
    return `exit ${run.exitCode ?? run.signal}: ${err ?? ''}`;
  }
  return undefined;
}

/** Lunr figures measured for the field notes (100k synthetic articles), shown where we do not re-measure. */
const FIELD_NOTES_100K: Record<string, string> = {
  build: '47–104 s (notes)',
  stall: '= build (notes)',
  warm: 'JSON.parse + Index.load 3.7 s (notes)',
  rss: '3.3 GB build (notes)',
  heap: '1.13 GB loaded (notes)',
  search: '1 word 5 / 117 ms; 2–3 words 59 / 356 ms (notes)',
  prefix1: 'p99 5.9 s (notes)',
  mach: 'p99 1.0 s (notes)',
  mlt: 'p99 1.1 s (notes)',
};

interface SizeRuns {
  size: number;
  engineCold?: ChildRun;
  enginePrime?: ChildRun;
  engineWarm?: ChildRun;
  lunrCold?: ChildRun;
  lunrPrime?: ChildRun;
  lunrWarm?: ChildRun;
}

function mainTable(s: SizeRuns): string {
  const e = s.engineCold?.results;
  const ep = s.enginePrime?.results;
  const ew = s.engineWarm?.results;
  const l = s.lunrCold?.results;
  const lp = s.lunrPrime?.results;
  const lw = s.lunrWarm?.results;
  const notes = !s.lunrCold && s.size > LUNR_MAX_SIZE;
  const L = (value: string | undefined, note: string): string => (notes ? note : (value ?? '—'));
  const rows: string[][] = [
    [
      'articles loaded',
      `${num(e, 'articles') ?? '—'} (${num(e, 'rejected') ?? '?'} rejected)`,
      L(`${num(l, 'articles') ?? '—'}`, '—'),
    ],
    ['cold load: parse + validate', fmtMs(num(e, 'loadMs')), L(fmtMs(num(l, 'loadMs')), '—')],
    ['  longest event-loop stall', fmtMs(num(e, 'loadStallMs')), L(fmtMs(num(l, 'loadStallMs')), '—')],
    ['index build', fmtMs(num(e, 'buildMs')), L(fmtMs(num(l, 'buildMs')), FIELD_NOTES_100K.build!)],
    [
      '  longest event-loop stall',
      fmtMs(num(e, 'buildStallMs')),
      L(fmtMs(num(l, 'buildStallMs')), FIELD_NOTES_100K.stall!),
    ],
    [
      'heap after build (post-GC)',
      fmtMiB(num(e, 'heapAfterBuildMiB')),
      L(fmtMiB(num(l, 'heapAfterBuildMiB')), '—'),
    ],
    [
      'peak RSS: load+build+queries',
      fmtMiB(num(e, 'maxRssMiB')),
      L(fmtMiB(num(l, 'maxRssMiB')), FIELD_NOTES_100K.rss!),
    ],
    [
      'cold start, no cache (loadLibrary / load+build+save)',
      fmtMs(num(ep, 'startMs')),
      L(lp ? `${fmtMs(num(lp, 'startMs'))} (save ${fmtMs(num(lp, 'saveMs'))})` : undefined, '—'),
    ],
    ['  phases: files / index / library', phases(ep), L('—', '—')],
    ['  longest event-loop stall', fmtMs(num(ep, 'startStallMs')), L(undefined, '—')],
    ['  peak RSS', fmtMiB(num(ep, 'maxRssMiB')), L(fmtMiB(num(lp, 'maxRssMiB')), '—')],
    [
      'warm start from cache (in process)',
      fmtMs(num(ew, 'startMs')),
      L(fmtMs(num(lw, 'startMs')), FIELD_NOTES_100K.warm!),
    ],
    ['  phases: files / index / library', phases(ew), L('—', '—')],
    ['  process start → ready (child)', fmtMs(num(ew, 'readyAtMs')), L(fmtMs(num(lw, 'readyAtMs')), '—')],
    ['  longest event-loop stall', fmtMs(num(ew, 'startStallMs')), L(fmtMs(num(lw, 'startStallMs')), '—')],
    [
      '  heap after start (post-GC)',
      fmtMiB(num(ew, 'heapAfterStartMiB')),
      L(fmtMiB(num(lw, 'heapAfterStartMiB')), FIELD_NOTES_100K.heap!),
    ],
    ['  peak RSS', fmtMiB(num(ew, 'maxRssMiB')), L(fmtMiB(num(lw, 'maxRssMiB')), '—')],
    [
      'search p50 / p99: 1–3 vocabulary words',
      p50p99(lat(e, 'searchNormal')),
      L(p50p99(lat(l, 'searchNormal')), FIELD_NOTES_100K.search!),
    ],
    ['  same, after warm start', p50p99(lat(ew, 'searchNormal')), L(p50p99(lat(lw, 'searchNormal')), '—')],
    [
      'search p50 / p99: mixed incl. hard queries',
      p50p99(lat(e, 'searchMixed')),
      L(lat(l, 'searchMixed') ? p50p99(lat(l, 'searchMixed')) : `incomplete (see hard queries)`, '—'),
    ],
    ['related p50 / p99 (curated, after warm start)', p50p99(lat(ew, 'related')), L('—', '—')],
    ['related p50 / p99 (cold build, curated lists not kept)', p50p99(lat(e, 'related')), L('—', '—')],
    [
      'more-like-this p50 / p99 (curated:false | lunr MLT)',
      p50p99(lat(e, 'relatedUncurated')),
      L(p50p99(lat(l, 'relatedUncurated')), FIELD_NOTES_100K.mlt!),
    ],
  ];
  const failures = [
    ['broadsheet cold', s.engineCold],
    ['broadsheet prime', s.enginePrime],
    ['broadsheet warm', s.engineWarm],
    ['lunr cold', s.lunrCold],
    ['lunr prime', s.lunrPrime],
    ['lunr warm', s.lunrWarm],
  ]
    .map(([name, run]) => [name, describeFailure(run as ChildRun | undefined)] as const)
    .filter(([, f]) => f !== undefined)
    .map(([name, f]) => `  ! ${name}: ${f}`);
  const header = [
    '',
    'Broadsheet',
    notes ? 'plain lunr (field notes, not re-measured)' : 'plain lunr 2.3.9 default',
  ];
  return [renderTable(header, rows), ...failures].join('\n');
}

function suggestTable(s: SizeRuns): string {
  const e = s.engineCold?.results;
  const l = s.lunrCold?.results;
  const notes = !s.lunrCold && s.size > LUNR_MAX_SIZE;
  const rows = PREFIX_LENGTHS.map((len) => {
    const cells = SUGGEST_KINDS.map((kind) => {
      const v = lat(e, `suggest:${kind}:${len}`) as (LatencySummary & { invalid?: number }) | undefined;
      return p50p99(v) + (v?.invalid ? ` (${v.invalid} invalid)` : '');
    });
    const lunrCell = notes
      ? len === 1
        ? FIELD_NOTES_100K.prefix1!
        : '—'
      : p50p99(lat(l, `suggest:prefix*:${len}`));
    return [`${len}`, ...cells, lunrCell];
  });
  return renderTable(
    ['prefix length', 'suggest query', 'suggest topic', 'suggest article', 'lunr `prefix*`'],
    rows,
  );
}

function hardTable(s: SizeRuns): string {
  const e = s.engineCold?.results ?? {};
  const l = s.lunrCold?.results;
  const labels = Object.keys(e)
    .filter((k) => k.startsWith('hard:'))
    .map((k) => k.slice(5));
  const lunrRunning =
    (s.lunrCold?.killedFor ? (l?.running as { label: string } | null | undefined)?.label : undefined) ?? '';
  const rows = labels.map((label) => {
    const eh = e[`hard:${label}`] as
      { ms: number; total?: number; notice?: string; error?: string } | undefined;
    const lh = l?.[`hard:${label}`] as { ms: number; total: number; error?: string } | undefined;
    const engineCell = eh
      ? `${fmtMs(eh.ms)} · ${eh.error ? `THROWS ${eh.error}` : `${eh.total ?? 0} hits`}${eh.notice ? ` · “${eh.notice.slice(0, 50)}”` : ''}`
      : '—';
    let lunrCell = '—';
    if (lh)
      lunrCell = `${fmtMs(lh.ms)} · ${lh.error ? `throws: ${lh.error.slice(0, 40)}` : `${lh.total} hits`}`;
    else if (label === lunrRunning) lunrCell = `> ${HARD_QUERY_TIMEOUT_MS / 1000} s, killed`;
    else if (s.lunrCold?.killedFor) lunrCell = 'not run (killed before)';
    return [label, engineCell, s.lunrCold ? lunrCell : '—'];
  });
  return renderTable(['hard query', 'Broadsheet (worst of 3)', 'plain lunr (escaped, 1 run)'], rows);
}

function consistency(s: SizeRuns): string | undefined {
  const cold = s.engineCold?.results.fingerprint as string[] | undefined;
  const warm = s.engineWarm?.results.fingerprint as string[] | undefined;
  if (!cold || !warm) return undefined;
  const differ = cold.filter((v, i) => v !== warm[i]).length;
  return differ === 0
    ? `  warm start answers ${cold.length} fixed queries exactly like the cold build: ok`
    : `  ! warm start answers ${differ} of ${cold.length} fixed queries differently from the cold build`;
}

function parseCli(argv: string[]): { sizes: number[]; seed: number; lunr: boolean } {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const sizes = (get('--sizes') ?? DEFAULT_SIZES.join(','))
    .split(',')
    .map((s) => Number(s.trim().replace(/k$/i, '000')))
    .filter((n) => Number.isInteger(n) && n > 0);
  return { sizes, seed: Number(get('--seed') ?? '1'), lunr: !argv.includes('--no-lunr') };
}

async function main(): Promise<void> {
  const { sizes, seed, lunr } = parseCli(process.argv.slice(2));
  const haveEngine = fs.existsSync(LIBRARY);
  if (!haveEngine)
    console.log(`(${path.relative(REPO_ROOT, LIBRARY)} does not exist yet: measuring plain lunr only)`);
  console.log(`node ${process.version}, seed ${seed}, sizes ${sizes.join(', ')}\n`);
  for (const size of sizes) {
    const corpus = ensureCorpus(size, seed, (m) => console.log(m));
    const s: SizeRuns = { size };
    const prefixSamples = size >= 100_000 ? 100 : 150;
    const runDir = path.join(corpus.root, `run-${process.pid}`);
    const log = (what: string, run: ChildRun): void =>
      console.log(
        `  ${what}: ${(run.wallMs / 1000).toFixed(1)} s${describeFailure(run) ? ` (${describeFailure(run)})` : ''}`,
      );
    try {
      console.log(`== ${size.toLocaleString('en-US')} articles ==`);
      if (haveEngine) {
        const data = path.join(runDir, 'broadsheet-data');
        s.engineCold = await runChild('broadsheet', 'cold', corpus.articlesDir, data, seed, prefixSamples);
        log('broadsheet cold build + queries', s.engineCold);
        fs.rmSync(data, { recursive: true, force: true });
        s.enginePrime = await runChild('broadsheet', 'prime', corpus.articlesDir, data, seed, prefixSamples);
        log('broadsheet start without cache', s.enginePrime);
        s.engineWarm = await runChild('broadsheet', 'warm', corpus.articlesDir, data, seed, prefixSamples);
        log('broadsheet warm start', s.engineWarm);
      }
      if (lunr && size <= LUNR_MAX_SIZE) {
        const data = path.join(runDir, 'lunr-data');
        const lunrPrefixSamples = size >= 10_000 ? 40 : 100;
        s.lunrCold = await runChild('lunr', 'cold', corpus.articlesDir, data, seed, lunrPrefixSamples);
        log('lunr cold build + queries', s.lunrCold);
        s.lunrPrime = await runChild('lunr', 'prime', corpus.articlesDir, data, seed, lunrPrefixSamples);
        log('lunr build + save', s.lunrPrime);
        s.lunrWarm = await runChild('lunr', 'warm', corpus.articlesDir, data, seed, lunrPrefixSamples);
        log('lunr warm start', s.lunrWarm);
      }
    } finally {
      fs.rmSync(runDir, { recursive: true, force: true });
    }
    console.log(`\n### ${size.toLocaleString('en-US')} articles (seed ${seed})\n`);
    console.log(mainTable(s));
    const c = consistency(s);
    if (c) console.log(c);
    console.log('\nAutocomplete p50 / p99 by prefix length');
    console.log(suggestTable(s));
    console.log('\nHard queries');
    console.log(hardTable(s));
    console.log('');
  }
  // Against FlexSearch and MiniSearch, in one process on the largest corpus (bench/searchSpeed.ts).
  if (!process.argv.includes('--no-peers'))
    await runBenchScript(
      'search speed',
      'searchSpeed.ts',
      ['--size', String(Math.max(...sizes)), '--seed', String(seed)],
      ['--expose-gc', '--max-old-space-size=8192'],
    );
  // Importing 100 feeds × 50 items from loopback (bench/importFeeds.ts); --no-feeds skips it.
  if (!process.argv.includes('--no-feeds')) await runBenchScript('feed import', 'importFeeds.ts', []);
  // Store operations on loopback, Postgres and SQLite (bench/store.ts); --no-store skips it.
  if (!process.argv.includes('--no-store')) await runBenchScript('store', 'store.ts', []);
  // Cold and warm start-up at 20k and 100k, best of 3, with peak RSS (bench/startup.ts); --no-startup skips it.
  if (!process.argv.includes('--no-startup')) {
    await runBenchScript('start-up', 'startup.ts', ['--seed', String(seed)]);
    // As root on Linux, also from a dropped page cache: the corpus read from disk, as after a reboot.
    if (process.platform === 'linux' && process.getuid?.() === 0)
      await runBenchScript('start-up from disk', 'startup.ts', [
        '--seed',
        String(seed),
        '--sizes',
        '100000',
        '--runs',
        '2',
        '--drop-page-cache',
      ]);
  }
  // Reloads while serving at 20k and 100k (bench/reload.ts); --no-reload skips it.
  if (!process.argv.includes('--no-reload'))
    await runBenchScript('reload', 'reload.ts', ['--seed', String(seed)]);
}

/**
 * One of the other benches (bench/<file>) in its own process, output passed through; a failure is noted and
 * the run goes on. Search speed gets --expose-gc for its memory figures and room for three 100k indexes at
 * once (MiniSearch and FlexSearch take gigabytes).
 */
function runBenchScript(
  label: string,
  file: string,
  args: string[],
  nodeFlags: string[] = [],
): Promise<void> {
  const script = path.join(REPO_ROOT, 'bench', file);
  return new Promise((resolve) => {
    console.log('');
    const child = spawn(process.execPath, ['--import', 'tsx', ...nodeFlags, script, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('exit', (code, signal) => {
      if (code !== 0) console.log(`  ! ${label}: exit ${code ?? signal}`);
      resolve();
    });
  });
}

await main();
