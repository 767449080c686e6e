import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
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

  it('GIVEN one prompt line with --json THEN that line answers in JSON and the others in text', () => {
    const run = start([], 'topics\nsearch self-driving --json\n');
    const lines = run.stdout.trim().split('\n');
    const json = lines.filter((line) => line.startsWith('{'));
    expect(json).toHaveLength(1);
    expect(JSON.parse(json[0]!).results[0].title).toBe('Self-driving cars learn to see pedestrians');
    expect(lines).toContain('AI in Autos (1)');
  });

  it('GIVEN results, nothing found or an invalid command THEN the exit code is 0, 1 or 2', () => {
    expect(start(['search', 'self-driving']).status).toBe(0);
    expect(start(['search', 'zzyzx']).status).toBe(1);
    expect(start(['topic', 'knitting']).status).toBe(1);
    expect(start(['trending', '--limit', '99']).status).toBe(2);
    expect(start(['--json'], 'search self-driving\n').status).toBe(0);
    expect(start(['--json'], 'search self-driving\nsearch zzyzx\n').status).toBe(1);
    expect(start(['--json'], 'search self-driving\ntrending --date 2020-01-01\n').status).toBe(2);
  }, 60_000);

  it('GIVEN a narrow terminal THEN text wraps at spaces and a URL is never cut', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.resolve('src/main.ts'), 'search', 'deep learning'],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          DISCORD_TOKEN: '',
          ARTICLES_DIR: corpus,
          DATA_DIR: tempDir(),
          NO_COLOR: '1',
          COLUMNS: '30',
        },
        timeout: 30_000,
      },
    );
    const lines = run.stdout.split('\n');
    for (const line of lines) {
      if (!/https?:\/\//.test(line)) expect(line.length).toBeLessThanOrEqual(30);
    }
    expect(lines.some((line) => line.trim().startsWith('https://example.com/news/deep-learning'))).toBe(true);
  });

  it('GIVEN a first load of a bigger corpus THEN progress is shown, and the counts say how many are recommendable', () => {
    const files: Record<string, string> = {
      'draft.md': articleFile({ title: 'An unpublished draft', published: false }),
    };
    for (let i = 0; i < 1_200; i++) files[`a${i}.md`] = articleFile({ title: `Article number ${i}` });
    const big = writeCorpus(files);
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.resolve('src/main.ts'), 'topics'], {
      encoding: 'utf8',
      env: { ...process.env, DISCORD_TOKEN: '', ARTICLES_DIR: big, DATA_DIR: tempDir(), NO_COLOR: '1' },
      timeout: 60_000,
    });
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/Reading article files: 1,201 of 1,201…/);
    expect(run.stderr).toMatch(/Indexing articles: 1,201 of 1,201…/);
    expect(run.stderr).toMatch(/1,201 articles \(1,200 recommendable\)/);
  });

  it('GIVEN --help, a command --help, a 16k-character query and an unknown digest topic THEN each answers sensibly', () => {
    const help = start(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Commands \(a leading \/ is optional/);
    expect(start(['search', '--help']).stdout).toMatch(/^Usage: search <text>/);
    const long = start(['search', 'pedestrians '.repeat(1400)]);
    expect(long.stdout.split('\n').length).toBeLessThan(40);
    expect(long.stdout.split('\n')[0]!.length).toBeLessThanOrEqual(120);
    const digest = start(['digest', '--topic', 'nonsense', '--json']);
    expect(JSON.parse(digest.stdout).notice).toBe('There is no topic “nonsense”. `topics` lists them all.');
    expect(digest.status).toBe(1);
  });

  it('GIVEN an apostrophe in piped input THEN the flags after it still count', () => {
    const run = start(['--json'], "search alzheimer's learning --limit 1\n");
    const answer = JSON.parse(run.stdout.trim()) as { results: unknown[] };
    expect(answer.results).toHaveLength(1);
  });

  it('GIVEN a notice THEN it is worded for the terminal, never naming a slash command', () => {
    const run = start(
      ['--json'],
      'search zzyzx\ntopic knitting\nsearch self-driving --topic nothing-like-it\n',
    );
    const notices = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).notice as string);
    expect(notices).toHaveLength(3);
    for (const notice of notices) {
      expect(notice).toMatch(/`topics`/);
      expect(notice).not.toMatch(/\/topics|\\`/);
    }
  });
});

describe('npm run dev', () => {
  it('GIVEN the prompt under npm run dev THEN commands are answered, a source change restarts it, and quit leaves with 0', async () => {
    const { spawn } = await import('node:child_process');
    const fs = await import('node:fs');
    const child = spawn('npm', ['run', '--silent', 'dev'], {
      env: { ...process.env, DISCORD_TOKEN: '', ARTICLES_DIR: corpus, DATA_DIR: tempDir(), NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const waitFor = async (pattern: RegExp) => {
      for (let i = 0; i < 200 && !pattern.test(output); i++) await new Promise((r) => setTimeout(r, 100));
      expect(output).toMatch(pattern);
    };
    try {
      await waitFor(/local mode/);
      child.stdin.write('topics\n');
      await waitFor(/AI in Autos \(1\)/);
      const touched = path.resolve('src/app/types.ts');
      const now = new Date();
      fs.utimesSync(touched, now, now);
      await waitFor(/\[dev\] src\/app\/types\.ts changed; restarting/);
      await waitFor(/local mode[\s\S]*local mode/);
      child.stdin.write('quit\n');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('local mode in a pipe whose reader leaves early', () => {
  it('GIVEN `| head -1` on a long --json pipe THEN the first answer arrives and the process ends quietly with 0', () => {
    const questions = Array.from({ length: 2_000 }, () => 'search learning').join('\n');
    // The shell closes the pipe after head's one line; stdin is a file so the bot has more to answer.
    const input = path.join(tempDir(), 'questions.txt');
    fs.writeFileSync(input, questions);
    const run = spawnSync(
      'sh',
      [
        '-c',
        `node --import tsx "${path.resolve('src/main.ts')}" --json < "${input}" | head -1; echo "exit $?"`,
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, DISCORD_TOKEN: '', ARTICLES_DIR: corpus, DATA_DIR: tempDir(), NO_COLOR: '1' },
        timeout: 60_000,
      },
    );
    const [first] = run.stdout.split('\n');
    expect(JSON.parse(first!).command).toBe('search');
    expect(run.stderr).not.toMatch(/EPIPE|Unhandled|at .*terminal\.ts/);
  }, 90_000);
});
