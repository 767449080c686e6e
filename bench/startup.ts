/**
 * `tsx bench/startup.ts [--sizes 20000,100000] [--runs 3] [--seed 1] [--root DIR] [--drop-page-cache] [--dist] [--compare SRC] [--exact]`
 *
 * Start-up as the bot and the terminal's prompt do it (loadLibraryInBackground with catchUpLater,
 * then watchLibrary), each run in a fresh process: a cold start (empty DATA_DIR: list, parse across
 * cores, index, save the caches) and a warm start (the caches match). Each is run `--runs` times and
 * the best is reported with the others beside it: the machine may be shared, and only the best run
 * says what the code costs. Also the main thread's longest stall until the library is there, the
 * time until the live library has caught up with the folder (its first look compares every file with
 * what the caches recorded) with the longest stall meanwhile, and the process's peak RSS (worker
 * threads included). `--exact` loads as a one-shot command does (the corpus listed before the caches
 * are used) and skips the catch-up.
 *
 * Corpora are generated once under `--root` (default: the system temp folder), never in the repo.
 * `--drop-page-cache` (root, Linux) empties the kernel's page cache before each cold run, so the corpus
 * is read from disk as after a reboot, or on a VM that pages out files not read for a while.
 * `--dist` also measures the compiled build (`npm run build` first), which starts worker threads
 * without tsx; `--compare SRC` another version's `src` folder (say, `git archive` of an older commit
 * with node_modules beside it), in the same runs.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateCorpus, GENERATOR_VERSION, REPO_ROOT } from './generateCorpus.ts';
import type { loadLibraryInBackground as LoadInBackground } from '../src/search/loadLibraryInBackground.ts';
import type { watchLibrary as WatchLibrary } from '../src/search/liveLibrary.ts';
import { createLogger } from '../src/logger.ts';
import { fmtMiB, fmtMs, renderTable, StallProbe } from './measure.ts';

interface RunResult {
  totalMs: number;
  stallMs: number;
  /** From the start until the live library had compared the folder with the caches (no --exact). */
  caughtUpMs?: number;
  catchUpStallMs?: number;
  rssMiB: number;
  articles: number;
  fromSnapshot: boolean;
  timings: Record<string, number | boolean | undefined>;
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

// ---------------------------------------------------------------- child: one start-up

const silentLogger = createLogger('silent', process.stderr, 'json');

/** The build's modules end in .js; the sources' in .ts. */
const compiled = (engine: string) => path.relative(REPO_ROOT, engine).split(path.sep)[0] === 'dist';

async function child(): Promise<void> {
  const articlesDir = argValue('--articles')!;
  const dataDir = argValue('--data')!;
  const engine = argValue('--engine')!;
  const exact = process.argv.includes('--exact');
  const module = (name: string) =>
    pathToFileURL(path.join(engine, 'search', `${name}${compiled(engine) ? '.js' : '.ts'}`)).href;
  const { loadLibraryInBackground } = (await import(module('loadLibraryInBackground'))) as {
    loadLibraryInBackground: typeof LoadInBackground;
  };
  const { watchLibrary } = (await import(module('liveLibrary'))) as { watchLibrary: typeof WatchLibrary };
  const probe = new StallProbe();
  await probe.settle();
  probe.takeMax();
  const started = performance.now();
  const loaded = await loadLibraryInBackground({ articlesDir, dataDir, catchUpLater: !exact });
  const totalMs = performance.now() - started;
  await probe.settle();
  const stallMs = probe.takeMax();
  let caughtUpMs: number | undefined;
  let catchUpStallMs: number | undefined;
  if (!exact) {
    let current = loaded.library;
    const live = watchLibrary({
      config: {
        ARTICLES_DIR: articlesDir,
        DATA_DIR: dataDir,
        MAX_ARTICLE_BYTES: 512 * 1024,
        WATCH_ARTICLES: false,
      },
      library: {
        get current() {
          return current;
        },
        replace: (next) => ((current = next), next),
      },
      reloadSignal: false,
      logger: silentLogger,
    });
    await live.ready;
    caughtUpMs = performance.now() - started;
    await probe.settle();
    catchUpStallMs = probe.takeMax();
    await live.stop();
  }
  const result: RunResult = {
    totalMs,
    stallMs,
    caughtUpMs,
    catchUpStallMs,
    rssMiB: process.resourceUsage().maxRSS / 1024,
    articles: loaded.library.size,
    fromSnapshot: loaded.timings.fromSnapshot,
    timings: loaded.timings,
  };
  probe.stop();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------- parent

function ensureCorpus(root: string, count: number, seed: number): string {
  const dir = path.join(root, `${count}-${seed}`);
  const articles = path.join(dir, 'articles');
  const marker = path.join(dir, 'complete.json');
  const saved = fs.existsSync(marker)
    ? (JSON.parse(fs.readFileSync(marker, 'utf8')) as { version?: number })
    : null;
  if (saved?.version === GENERATOR_VERSION) return articles;
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`generating ${count} articles in ${articles} ...`);
  const summary = generateCorpus({ dir: articles, count, seed });
  fs.writeFileSync(marker, JSON.stringify({ version: GENERATOR_VERSION, summary }));
  return articles;
}

function runChild(engine: string, articles: string, data: string): Promise<RunResult | string> {
  const args = ['--import', 'tsx', path.join(REPO_ROOT, 'bench', 'startup.ts'), '--child'];
  if (process.argv.includes('--exact')) args.push('--exact');
  args.push('--engine', engine, '--articles', articles, '--data', data);
  return new Promise((resolve) => {
    const started = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    started.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    started.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-2000)));
    started.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(
          code === 0 ? (JSON.parse(line) as RunResult) : `exit ${code}: ${err.trim().split('\n').at(-1)}`,
        );
      } catch {
        resolve(`unreadable result: ${line.slice(0, 200)}`);
      }
    });
  });
}

function phases(result: RunResult): string {
  const t = result.timings;
  const ms = (key: string) => (typeof t[key] === 'number' ? fmtMs(t[key]) : '—');
  return result.fromSnapshot
    ? `${t.listMs ? `list ${ms('listMs')} ‖ ` : 'served before listing, '}read ${ms('loadMs')}, library ${ms('libraryMs')}`
    : `list ${ms('listMs')}, parse ${ms('loadMs')}, index ${ms('indexMs')}, hand-over ${ms('derivedMs')}, library ${ms('libraryMs')} (save ${ms('saveMs')} alongside)`;
}

/** Write back and drop the page cache, dentries and inodes: the next reads go to the disk. */
function dropPageCache(): void {
  execFileSync('sync');
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
  } catch (error) {
    throw new Error(`--drop-page-cache needs root on Linux: ${(error as Error).message}`);
  }
}

async function measure(
  engine: string,
  articles: string,
  runs: number,
): Promise<{ cold: Array<RunResult | string>; warm: Array<RunResult | string> }> {
  const cold: Array<RunResult | string> = [];
  const warm: Array<RunResult | string> = [];
  let data = '';
  for (let run = 0; run < runs; run++) {
    if (data) fs.rmSync(data, { recursive: true, force: true });
    data = fs.mkdtempSync(path.join(os.tmpdir(), 'broadsheet-startup-'));
    if (process.argv.includes('--drop-page-cache')) dropPageCache();
    cold.push(await runChild(engine, articles, data));
  }
  for (let run = 0; run < runs; run++) warm.push(await runChild(engine, articles, data));
  fs.rmSync(data, { recursive: true, force: true });
  return { cold, warm };
}

function best(results: Array<RunResult | string>): RunResult | undefined {
  return results
    .filter((result): result is RunResult => typeof result !== 'string')
    .sort((a, b) => a.totalMs - b.totalMs)[0];
}

function cells(results: Array<RunResult | string>): string[] {
  const top = best(results);
  const all = results.map((result) => (typeof result === 'string' ? '✗' : fmtMs(result.totalMs))).join(', ');
  const caughtUp =
    top?.caughtUpMs === undefined ? '—' : `${fmtMs(top.caughtUpMs)}, ${fmtMs(top.catchUpStallMs ?? 0)}`;
  return top
    ? [
        fmtMs(top.totalMs),
        all,
        fmtMs(top.stallMs),
        caughtUp,
        fmtMiB(Math.max(...results.flatMap((r) => (typeof r === 'string' ? [] : [r.rssMiB])))),
      ]
    : ['—', all, '—', '—', '—'];
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) return child();
  const sizes = (argValue('--sizes') ?? '20000,100000')
    .split(',')
    .map((size) => Number(size.replace(/k$/i, '000')));
  const runs = Number(argValue('--runs') ?? '3');
  const seed = Number(argValue('--seed') ?? '1');
  const root = argValue('--root') ?? path.join(os.tmpdir(), 'broadsheet-bench');
  const engines: Array<[string, string]> = [['sources (tsx)', path.join(REPO_ROOT, 'src')]];
  if (process.argv.includes('--dist')) engines.push(['build (node)', path.join(REPO_ROOT, 'dist', 'src')]);
  const compare = argValue('--compare');
  if (compare)
    engines.push([`${path.basename(path.dirname(path.resolve(compare)))} (tsx)`, path.resolve(compare)]);
  console.log(
    `Start-up (loadLibraryInBackground), ${os.availableParallelism()} cores, best of ${runs} (the others beside it)${process.argv.includes('--drop-page-cache') ? ', page cache dropped before each cold run' : ''}; load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const size of sizes) {
    const articles = ensureCorpus(root, size, seed);
    for (const [name, engine] of engines) {
      const { cold, warm } = await measure(engine, articles, runs);
      const label = `${size.toLocaleString('en-US')} · ${name}`;
      rows.push([`${label} · cold`, ...cells(cold)], [`${label} · warm`, ...cells(warm)]);
      for (const [kind, results] of [
        ['cold', cold],
        ['warm', warm],
      ] as const) {
        const top = best(results);
        if (top) notes.push(`  ${label} · ${kind}: ${phases(top)}`);
        for (const failure of results.filter((result) => typeof result === 'string'))
          notes.push(`  ! ${label} · ${kind}: ${failure}`);
      }
    }
  }
  console.log(
    renderTable(
      [
        'corpus · code · start',
        'best',
        'all runs',
        'main-thread stall',
        'caught up, stall meanwhile',
        'peak RSS',
      ],
      rows,
    ),
  );
  console.log(`Phases of the best runs (‖: at the same time):\n${notes.join('\n')}`);
}

await main();
