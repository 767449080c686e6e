/**
 * Broadsheet through its public library API (loadLibrary over the stripped corpus, no caches), and once
 * more through local mode's `--json` pipe, as an outside judge measures it: both must agree.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLibrary } from '../../src/search/loadLibrary.ts';
import type { ResultPage } from '../../src/search/types.ts';
import type { BuildInput, Engine, EngineSpec } from './types.ts';

function urlsOf(page: ResultPage): string[] {
  return page.results.flatMap((r) => (r.kind === 'article' ? [r.article.webUrl] : []));
}

export interface BroadsheetEngine extends Engine {
  /** Search with the last word unfinished, for comparison on half-typed queries. */
  searchAsYouType(query: string, limit: number): string[];
  /** The titles autocomplete offers (`/related`'s article choices), as URLs. */
  autocomplete(query: string, limit: number): string[];
  /** The engine's own result details for diagnosis. */
  explain(query: string, limit: number): { url: string; title: string; why: string; score: number }[];
  timings: Record<string, number | boolean>;
}

export function buildBroadsheet(input: BuildInput): BroadsheetEngine {
  const loaded = loadLibrary({ articlesDir: input.strippedDir, dataDir: null });
  const lib = loaded.library;
  return {
    timings: loaded.timings,
    search: (query, limit) => urlsOf(lib.search(query, { limit })),
    searchAsYouType: (query, limit) => urlsOf(lib.searchAsYouType(query, { limit })),
    autocomplete: (query, limit) =>
      lib.suggest(query, { kind: 'article', limit, fresh: true }).flatMap((choice) => {
        const article = lib.get(choice.value);
        return article ? [article.webUrl] : [];
      }),
    related: (url, limit) => urlsOf(lib.related(url, { limit })),
    explain: (query, limit) =>
      lib
        .search(query, { limit })
        .results.flatMap((r) =>
          r.kind === 'article'
            ? [{ url: r.article.webUrl, title: r.article.title, why: r.why, score: r.score }]
            : [],
        ),
  };
}

export const broadsheet: EngineSpec = {
  name: 'Broadsheet',
  description: 'library API: loadLibrary(stripped corpus).search / .related',
  build: buildBroadsheet,
};

/** Where the repository is (the bench runs from it); `npm start` is `node --import tsx src/main.ts`. */
const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
/** Local mode's largest page. */
const PIPE_LIMIT = 10;

/** Quoting for one argument of a terminal line: double quotes at the start of a word group it. */
function quoteArg(arg: string): string {
  return /[\s"']/.test(arg) ? `"${arg.replace(/"/g, '')}"` : arg;
}

async function runPipe(dir: string, lines: readonly string[]): Promise<string[][]> {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'broadsheet-judge-data-'));
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--json'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ARTICLES_DIR: dir, DATA_DIR: data, DISCORD_TOKEN: '', LOG_LEVEL: 'warn' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.stdin.end(lines.map((l) => `${l}\n`).join(''));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const answers = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { results?: { webUrl?: string }[] });
    if (answers.length !== lines.length) {
      throw new Error(
        `terminal pipe: ${answers.length} answers to ${lines.length} lines (exit ${code}): ${stderr}`,
      );
    }
    return answers.map((a) => (a.results ?? []).flatMap((r) => (r.webUrl ? [r.webUrl] : [])));
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
  }
}

/** Answers every planned query in one `npm start -- --json` process fed through stdin. */
export const broadsheetPipe: EngineSpec = {
  name: 'Broadsheet pipe',
  description: 'local mode: `search <q> --limit 10` / `related <url> --limit 10` piped to main.ts --json',
  async build(input) {
    const searches = [...new Set(input.planned?.searches ?? [])];
    const related = [...new Set(input.planned?.related ?? [])];
    const lines = [
      ...searches.map((q) => `search ${q.split(/\s+/).map(quoteArg).join(' ')} --limit ${PIPE_LIMIT}`),
      ...related.map((u) => `related ${quoteArg(u)} --limit ${PIPE_LIMIT}`),
    ];
    const answers = await runPipe(input.strippedDir, lines);
    const bySearch = new Map(searches.map((q, i) => [q, answers[i]!]));
    const byRelated = new Map(related.map((u, i) => [u, answers[searches.length + i]!]));
    const page = (urls: string[] | undefined, limit: number): string[] => {
      if (limit > PIPE_LIMIT) throw new Error(`terminal pipe answers ${PIPE_LIMIT} at most`);
      return (urls ?? []).slice(0, limit);
    };
    return {
      search: (query, limit) => page(bySearch.get(query), limit),
      related: (url, limit) => page(byRelated.get(url), limit),
    };
  },
};
