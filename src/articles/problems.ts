import type { CorpusProblem } from './article.ts';

/** A few lines naming problem files, for start-up output; `check-corpus` prints them all. */
export function summarizeProblems(problems: CorpusProblem[], shown: number): string {
  if (!problems.length) return '';
  const rejected = problems.filter((problem) => problem.severity === 'rejected').length;
  const lines = problems
    .slice(0, shown)
    .map((problem) => `  ${problem.severity}: ${problem.path}: ${problem.reason}`);
  if (problems.length > shown)
    lines.push(`  … and ${problems.length - shown} more (npm run check-corpus lists them all)`);
  return `${rejected} file(s) rejected, ${problems.length - rejected} warning(s):\n${lines.join('\n')}\n`;
}
