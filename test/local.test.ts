import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { articleFile, tempDir, writeCorpus } from './support/articles.ts';

const corpus = writeCorpus({
  'a.md': articleFile({
    title: 'Self-driving cars learn to see pedestrians',
    topics: ['AI in Autos'],
    heat: 300,
    date: '2021-10-17T10:00:00Z',
  }),
  'b.md': articleFile({
    title: 'Deep learning improves interpretation of tumors',
    topics: ['Machine Learning'],
    heat: 79,
  }),
  'broken.md': 'not front matter',
});

function start(args: string[], input?: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.resolve('src/main.ts'), ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, DISCORD_TOKEN: '', ARTICLES_DIR: corpus, DATA_DIR: tempDir(), NO_COLOR: '1' },
    timeout: 30_000,
  });
}

describe('local mode (no DISCORD_TOKEN)', () => {
  it('GIVEN a one-shot search with --json THEN stdout is exactly one JSON line with the documented fields', () => {
    const run = start(['search', 'self-driving cars', '--json']);
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const answer = JSON.parse(lines[0]!);
    expect(answer.command).toBe('search');
    expect(Object.keys(answer.results[0]).sort()).toEqual(
      ['heat', 'id', 'provider', 'publishedDateTime', 'title', 'topics', 'webUrl', 'why'].sort(),
    );
    expect(answer.results[0].title).toBe('Self-driving cars learn to see pedestrians');
    expect(run.stderr).toContain('broken.md');
  });

  it('GIVEN piped commands THEN each is answered in turn, errors as JSON, quit ends it', () => {
    const run = start(
      ['--json'],
      '/topics\nsearch C++\nrelated nothing-here\ntrending day --limit 99\nself-driving\nserch deep learning\nquit\nsearch never\n',
    );
    const answers = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(answers.map((answer) => answer.command)).toEqual([
      'topics',
      'search',
      'related',
      'trending',
      'search',
      'search',
    ]);
    expect(answers[0].results).toContainEqual({ name: 'AI in Autos', count: 1 });
    expect(answers[1]).toMatchObject({ results: [], notice: expect.stringContaining('No articles match') });
    expect(answers[3].error).toMatch(/--limit/);
    // Plain text is a search, as in a DM; a near-miss of a command says so and searches too.
    expect(answers[4].results[0].title).toBe('Self-driving cars learn to see pedestrians');
    expect(answers[5].notice).toMatch(/did you mean `search`/);
    expect(answers[5].results[0].title).toBe('Deep learning improves interpretation of tumors');
  });

  it('GIVEN readable output THEN a result shows title, provider, why, link and id', () => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', 'topic', 'machine learning'],
      {
        encoding: 'utf8',
        env: { ...process.env, DISCORD_TOKEN: '', ARTICLES_DIR: corpus, DATA_DIR: tempDir(), NO_COLOR: '1' },
      },
    );
    expect(out).toContain('1. Deep learning improves interpretation of tumors');
    expect(out).toMatch(/Why: in Machine Learning/);
    expect(out).toMatch(/https:\/\/example\.com\/news\/deep-learning.*\(id [\w-]{8}\)/);
  });

  it('GIVEN a bad environment variable THEN start-up names it and exits 1', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'topics'], {
      encoding: 'utf8',
      env: { ...process.env, DISCORD_TOKEN: '', LOG_LEVEL: 'loud', DISCORD_API_URL: 'ftp://x' },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/LOG_LEVEL/);
    expect(run.stderr).toMatch(/DISCORD_API_URL/);
  });
});
