import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { articleFile, tempDir, writeCorpus } from './support/articles.ts';

function checkCorpus(dir: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.resolve('src/articles/checkCorpus.ts'), dir], {
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('npm run check-corpus', () => {
  it('GIVEN a good corpus THEN it prints the counts and exits 0', () => {
    const run = checkCorpus(writeCorpus({ 'a.md': articleFile({ title: 'Fine', topics: ['AI'] }) }));
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/articles: +1 \(1 live/);
  });

  it('GIVEN broken files THEN each problem is named in words and it exits 1', () => {
    const run = checkCorpus(
      writeCorpus({
        'no-title.md': '---\nwebUrl: "https://example.com/a"\n---\n',
        'unclosed.md': '---\ntitle: "Never closed"\nwebUrl: "https://example.com/b"\n',
        'types.md':
          '---\ntitle: "Types"\nwebUrl: "https://example.com/c"\npublished: "yes"\ntopics: 3\n---\n',
        'good.md': articleFile({ title: 'Fine' }),
      }),
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('no-title.md: title is missing');
    expect(run.stdout).toContain('unclosed.md: the front matter is never closed');
    expect(run.stdout).toContain('types.md: published must be true or false; topics must be a list');
    expect(run.stdout).not.toMatch(/Invalid input/);
  });

  it('GIVEN an empty folder THEN it is an error, not a pass', () => {
    const run = checkCorpus(tempDir());
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/No article files in/);
  });
});
