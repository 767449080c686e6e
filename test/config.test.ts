import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { articleFile, tempDir, writeCorpus } from './support/articles.ts';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('configuration', () => {
  it('GIVEN LOG_LEVEL in capitals THEN it is accepted', () => {
    expect(loadConfig({ LOG_LEVEL: 'INFO' }).LOG_LEVEL).toBe('info');
    expect(problems({ LOG_LEVEL: 'loud' })[0]).toMatch(/LOG_LEVEL: must be one of fatal/);
  });

  it('GIVEN DIGEST_CATCH_UP_HOURS=0 THEN catch-up is off, not an error', () => {
    expect(loadConfig({ DIGEST_CATCH_UP_HOURS: '0' }).DIGEST_CATCH_UP_HOURS).toBe(0);
    expect(problems({ DIGEST_CATCH_UP_HOURS: '-1' })).toHaveLength(1);
  });

  it('GIVEN a fractional count THEN it is refused', () => {
    expect(problems({ DM_MESSAGES_PER_MINUTE: '0.5' })[0]).toMatch(
      /DM_MESSAGES_PER_MINUTE: must be a whole number/,
    );
    expect(loadConfig({ DM_MESSAGES_PER_MINUTE: '10' }).DM_MESSAGES_PER_MINUTE).toBe(10);
  });

  it('GIVEN LOG_FORMAT THEN pretty and json are accepted, anything else refused', () => {
    expect(loadConfig({ LOG_FORMAT: 'Pretty' }).LOG_FORMAT).toBe('pretty');
    expect(loadConfig({}).LOG_FORMAT).toBeUndefined();
    expect(problems({ LOG_FORMAT: 'xml' })[0]).toMatch(/LOG_FORMAT/);
  });
});

const tsx = path.resolve('node_modules/tsx/dist/loader.mjs');
const main = path.resolve('src/main.ts');

function startIn(cwd: string, args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !['DISCORD_TOKEN', 'ARTICLES_DIR', 'DATA_DIR'].includes(key),
    ),
  );
  return spawnSync(process.execPath, ['--import', tsx, main, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...clean, NO_COLOR: '1', ...env },
    timeout: 30_000,
  });
}

describe('start-up from a working directory', () => {
  it('GIVEN a .env in the working directory THEN it is read, named at start, and its values never printed', () => {
    const cwd = tempDir();
    const corpus = writeCorpus({
      'a.md': articleFile({ title: 'Self-driving cars learn to see pedestrians' }),
    });
    const guildId = '123456789012345678';
    fs.writeFileSync(
      path.join(cwd, '.env'),
      `ARTICLES_DIR=${corpus}\nDATA_DIR=${path.join(cwd, 'data')}\nDISCORD_GUILD_ID=${guildId}\n`,
    );
    const run = startIn(cwd, ['search', 'self-driving', '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).results[0].title).toBe('Self-driving cars learn to see pedestrians');
    expect(run.stderr).toContain('Settings from .env');
    expect(run.stderr + run.stdout).not.toContain(guildId);
    fs.rmSync(cwd, { recursive: true, force: true });
    fs.rmSync(corpus, { recursive: true, force: true });
  });

  it('GIVEN a DATA_DIR that cannot hold files THEN start-up refuses it at once', () => {
    const started = Date.now();
    const run = startIn(process.cwd(), ['topics'], { DATA_DIR: '/proc/broadsheet-data' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/DATA_DIR \/proc\/broadsheet-data cannot hold files/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
