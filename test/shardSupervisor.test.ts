/**
 * The shard manager's supervision with stand-in shard processes (test/support/fakeShard.ts): what each
 * shard is started with, /healthz for all shards, a dead shard started again, a shard that never gets
 * ready stopping everything, and a stop reaching every shard.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';

import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { ShardSupervisor } from '../src/discord/shardManager.ts';
import { tempDir } from './support/articles.ts';
import { eventually } from './support/processes.ts';
import { freeLoopbackPort } from './support/ports.ts';

const FAKE = path.resolve(import.meta.dirname, 'support/fakeShard.ts');
const CONFIG = {
  DISCORD_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GAbCdE.abcdefghijklmnopqrstuvwxyz0123456789AB',
  DISCORD_API_URL: 'http://127.0.0.1:1/api',
  SHARD_COUNT: 2,
  DATABASE_URL: 'postgres://localhost/broadsheet',
  HEALTH_PORT: undefined,
  HEALTH_HOST: '127.0.0.1',
} as const;

const running: ShardSupervisor[] = [];
const saved = { ...process.env };

afterEach(async () => {
  for (const supervisor of running.splice(0)) await supervisor.stop('SIGTERM').catch(() => undefined);
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

function supervise(mode: string, options: { healthPort?: number; count?: number } = {}) {
  const dir = tempDir('broadsheet-fake-shards-');
  // The shards inherit the environment as the manager has it when it creates them.
  process.env.FAKE_SHARD = mode;
  process.env.FAKE_SHARD_DIR = dir;
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  const fatal: string[] = [];
  const supervisor = new ShardSupervisor(
    { ...CONFIG, HEALTH_PORT: options.healthPort },
    { count: options.count ?? 2, maxConcurrency: options.count ?? 2 },
    logger,
    (reason) => fatal.push(reason),
    { entry: FAKE, execArgv: ['--import', 'tsx'], firstRestartDelayMs: 50, handleSignals: false },
  );
  running.push(supervisor);
  const started = (id: number) =>
    fs
      .readdirSync(dir)
      .filter((name) => name.startsWith(`shard-${id}-`))
      .map((name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as Record<string, unknown>);
  return { supervisor, lines, fatal, started, messages: () => lines.map((line) => line.msg) };
}

describe('the shard supervisor', () => {
  it('GIVEN two shards THEN each runs the entry with its id, the count, its own health port and the execArgv; healthy once both are ready; a stop ends both', async () => {
    const port = await freeLoopbackPort();
    const { supervisor, started, messages } = supervise('ready', { healthPort: port });
    expect(supervisor.health()).toMatchObject({
      healthy: false,
      reason: 'shard 0 not started, shard 1 not started',
    });
    await supervisor.start();
    await eventually(() => supervisor.health().healthy, 'both shards ready', 20_000);
    expect(started(0)).toEqual([
      { shards: '0', shardCount: '2', healthPort: String(port + 1), execArgv: ['--import', 'tsx'] },
    ]);
    expect(started(1)).toEqual([
      { shards: '1', shardCount: '2', healthPort: String(port + 2), execArgv: ['--import', 'tsx'] },
    ]);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('broadsheet_shard_up{shard="0"} 1');
    expect(metrics).toContain('broadsheet_shard_up{shard="1"} 1');

    await supervisor.stop('SIGTERM');
    expect(messages()).toEqual(
      expect.arrayContaining([
        'shard 0 ready',
        'shard 1 ready',
        'shard 0 stopped',
        'shard 1 stopped',
        'every shard stopped',
      ]),
    );
    expect(supervisor.health()).toEqual({ healthy: false, reason: 'shutting down' });
  }, 30_000);

  it('GIVEN a shard process that dies THEN the supervisor starts it again, and it serves', async () => {
    const { supervisor, started, lines } = supervise('crash-once', { count: 1 });
    await supervisor.start();
    await eventually(() => supervisor.health().healthy, 'the restarted shard to be ready', 20_000);
    expect(started(0)).toHaveLength(2);
    expect(lines).toContainEqual(
      expect.objectContaining({
        shard: 0,
        exit: 'exit code 1',
        msg: 'shard 0 process died (exit code 1); restarting it',
      }),
    );
  }, 30_000);

  it('GIVEN a shard that dies again and again before it is ready THEN after five deaths everything stops, with the reason', async () => {
    const { supervisor, fatal, started } = supervise('crash', { count: 1 });
    await supervisor.start();
    await eventually(() => fatal.length > 0, 'the supervisor to give up', 25_000);
    expect(fatal).toEqual([
      'shard 0 stopped 5 times in a row without becoming ready (last: exit code 1); its log lines above say why.',
    ]);
    expect(started(0)).toHaveLength(5);
    expect(supervisor.health()).toMatchObject({ healthy: false });
  }, 30_000);
});
