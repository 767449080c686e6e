import path from 'node:path';
import { parseArgs } from 'node:util';
import { FeedListError, readFeedList, type FeedEntry } from './feedList.ts';
import { importFeeds, type FeedReport, type ImportSummary } from './importFeeds.ts';

const USAGE = `Usage: npm run import-feeds -- --out <dir> [--feeds <file>] [--respect-backoff] [--json] [<url-or-file>...]

  --out <dir>         the corpus folder to write article files to (or "out:" in the feeds file)
  --feeds <file>      a YAML list of feeds: "- url: …", optional "topics: [..]" and "provider: …"
  --respect-backoff   skip feeds that failed twice or more and are still backing off
  --json              print the summary as one JSON object

Exit status: 0 when at least one feed was read (or not modified), 1 when none was, 2 for a usage error.`;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function describeReport(report: FeedReport): string[] {
  const counts = report.items;
  const what = [report.format, report.title ? JSON.stringify(report.title) : null].filter(Boolean).join(' ');
  const head =
    report.status === 'read'
      ? `${report.source} (${what}): ${counts.new} new, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.rejected} rejected`
      : report.status === 'not-modified'
        ? `${report.source}: not modified since the last run`
        : `${report.source}: ${report.status === 'failed' ? 'failed' : 'skipped'}`;
  const lines = [head];
  for (const problem of report.problems) lines.push(`  ${problem.message}`);
  if (report.status === 'failed' && report.retryAfter)
    lines.push(`  backing off: a periodic import (--respect-backoff) tries again after ${report.retryAfter}`);
  for (const problem of report.itemProblems)
    lines.push(`  ${problem.severity.padEnd(8)} ${JSON.stringify(problem.item)}: ${problem.message}`);
  return lines;
}

function formatSummary(summary: ImportSummary): string {
  const { feeds, items } = summary;
  const lines = [
    `Imported feeds into ${summary.outDir} in ${(summary.ms / 1000).toFixed(1)} s`,
    `  feeds: ${feeds.listed} listed, ${feeds.read} read, ${feeds.notModified} not modified, ${feeds.failed} failed, ${feeds.skipped} skipped`,
    `  items: ${items.new} new, ${items.updated} updated, ${items.unchanged} unchanged, ${items.rejected} rejected`,
  ];
  if (summary.problems.length) lines.push('', plural(summary.problems.length, 'problem') + ':');
  for (const problem of summary.problems) lines.push(`  ${problem}`);
  for (const report of summary.reports) lines.push('', ...describeReport(report));
  return lines.join('\n') + '\n';
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        feeds: { type: 'string' },
        'respect-backoff': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }

  const feeds: FeedEntry[] = positionals.map((source) => ({ url: source }));
  const listProblems: string[] = [];
  let listOut: string | undefined;
  if (values.feeds) {
    try {
      const list = readFeedList(path.resolve(values.feeds));
      feeds.push(...list.feeds.filter((entry) => !feeds.some((given) => given.url === entry.url)));
      listProblems.push(...list.problems);
      listOut = list.outDir;
    } catch (error) {
      if (!(error instanceof FeedListError)) throw error;
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
  }
  const outDir = values.out ? path.resolve(values.out) : listOut;
  if (!outDir || (!feeds.length && !listProblems.length)) {
    process.stderr.write(`${outDir ? 'No feeds given.' : 'No --out folder given.'}\n\n${USAGE}\n`);
    return 2;
  }

  const summary = await importFeeds({ feeds, outDir, respectBackoff: values['respect-backoff'] });
  summary.problems.unshift(...listProblems);
  process.stdout.write(values.json ? JSON.stringify(summary) + '\n' : formatSummary(summary));
  return summary.feeds.read + summary.feeds.notModified > 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
