import path from 'node:path';
import { loadCorpus } from './loadCorpus.ts';
import { topicKey } from './normalize.ts';

/**
 * `npm run check-corpus [dir]`: counts and every problem, exit 1 when any file is rejected, so a
 * corpus kept in git can be checked in its own CI. Reads no cache: it checks the files as they are.
 */
function main(): number {
  const dir = path.resolve(process.argv[2] ?? process.env.ARTICLES_DIR ?? 'seeds');
  let corpus;
  try {
    corpus = loadCorpus(dir, {
      cacheDir: null,
      maxFileBytes: Number(process.env.MAX_ARTICLE_BYTES) || undefined,
    });
  } catch (error) {
    process.stderr.write(`Cannot read ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`);
    return 2;
  }
  const { articles, problems, stats } = corpus;
  if (stats.files === 0) {
    process.stderr.write(
      `No article files in ${dir}: a corpus is a folder of .md, .markdown or .txt files (searched recursively).\n`,
    );
    return 1;
  }
  const topics = new Set(articles.flatMap((article) => article.topicKeys.map(topicKey)));
  const providers = new Set(articles.map((article) => article.provider.domain.toLowerCase()));
  const dates = articles
    .flatMap((article) => (article.publishedAt === null ? [] : [article.publishedAt]))
    .sort((a, b) => a - b);
  const live = articles.filter((article) => article.published).length;
  const rejected = problems.filter((problem) => problem.severity === 'rejected');
  const day = (ms: number | undefined) => (ms === undefined ? '–' : new Date(ms).toISOString().slice(0, 10));

  const out: string[] = [
    `Corpus ${dir}`,
    `  files:      ${stats.files}`,
    `  articles:   ${articles.length} (${live} live, ${articles.length - live} with published: false)`,
    `  rejected:   ${rejected.length}`,
    `  topics:     ${topics.size}`,
    `  providers:  ${providers.size}`,
    `  dates:      ${day(dates[0])} … ${day(dates.at(-1))}${dates.length < articles.length ? ` (${articles.length - dates.length} undated)` : ''}`,
  ];
  if (problems.length) {
    out.push('', `Problems (${problems.length}):`);
    for (const problem of problems) out.push(`  ${problem.severity}  ${problem.path}: ${problem.reason}`);
  }
  process.stdout.write(out.join('\n') + '\n');
  return rejected.length ? 1 : 0;
}

process.exitCode = main();
