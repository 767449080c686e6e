import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, EmulatorOptions } from './emulator/index.ts';
import { articleFile, tempDir, writeCorpus } from './support/articles.ts';
import { ADMIN, GENERAL, GUILD, TOKEN } from './support/bot.ts';
import { newsroomEmulator } from './support/processes.ts';
import { freeLoopbackPort } from './support/ports.ts';

const corpus = writeCorpus({
  'a.md': articleFile({ title: 'Self-driving cars learn to see pedestrians', topics: ['AI'] }),
});

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** The real entry point in its own process, configured by environment (as in process.e2e.test.ts). */
function startBotProcess(emu: Emulator, env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/main.ts')], {
    env: {
      ...process.env,
      DISCORD_TOKEN: TOKEN,
      DISCORD_API_URL: emu.apiUrl,
      ARTICLES_DIR: corpus,
      DATA_DIR: tempDir(),
      LOG_LEVEL: 'debug',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the listener answers (it starts right after the config is read). */
async function get(url: string, init?: RequestInit, timeoutMs = 30_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

let emu: Emulator | undefined;
let running: Running | undefined;

afterEach(async () => {
  running?.child.kill('SIGKILL');
  await emu?.close();
  emu = undefined;
  running = undefined;
});

async function freshEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  emu = await newsroomEmulator(options);
  return emu;
}

describe('the real process with HEALTH_PORT', () => {
  it('GIVEN a gateway not yet ready THEN /healthz is 503 with the reason; once ready 200, and /metrics counts a command without naming the user or the token', async () => {
    // IDENTIFY unanswered first, so the 503 is seen for certain; then the gateway is let through.
    const emulator = await freshEmulator({ identifyAnswer: 'nothing' });
    const port = await freeLoopbackPort();
    running = startBotProcess(emulator, { HEALTH_PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;

    const first = await get(`${base}/healthz`);
    expect(first.status).toBe(503);
    expect((await first.json()) as unknown).toMatchObject({
      status: 'unavailable',
      reason: expect.stringMatching(/^(library loading|gateway connecting)$/),
    });
    await emulator.waitForGateway((entry) => entry.direction === 'receive' && entry.op === 2, {
      from: 0,
      timeoutMs: 30_000,
    });
    const waiting = await get(`${base}/healthz`);
    expect(waiting.status).toBe(503);
    expect(await waiting.json()).toEqual({ status: 'unavailable', reason: 'gateway connecting' });

    emulator.configure({ identifyAnswer: 'ready' });
    emulator.dropConnection();
    await emulator.waitForReady(60_000);
    let healthy = await get(`${base}/healthz`);
    for (let i = 0; healthy.status !== 200 && i < 100; i++) {
      await sleep(50);
      healthy = await get(`${base}/healthz`);
    }
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toEqual({ status: 'ok' });

    const record = await emulator
      .sendCommand({
        name: 'search',
        options: { query: 'self-driving' },
        user: ADMIN,
        guildId: GUILD,
        channelId: GENERAL,
      })
      .settled({ timeoutMs: 20_000 });
    expect(record.original?.embeds[0]?.title).toContain('Self-driving cars');

    const metrics = await get(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(
      /broadsheet_interactions_total\{kind="command",command="search",outcome="answered"\} 1/,
    );
    expect(text).toMatch(/broadsheet_library_articles 1/);
    expect(text).toMatch(/broadsheet_gateway_state\{state="ready"\} 1/);
    expect(text).toMatch(/broadsheet_gateway_reconnects_total\{code="1006"\} 1/);
    expect(text).toContain('process_resident_memory_bytes');
    for (const secret of [TOKEN, record.token, record.id, ADMIN.id, GUILD, GENERAL]) {
      expect(text).not.toContain(secret);
    }
    expect((await get(`${base}/other`)).status).toBe(404);

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(running.output()).not.toContain(TOKEN);
    expect(emulator.takeViolations()).toEqual([]);
  }, 90_000);

  it('GIVEN a gateway that never becomes ready THEN the process exits 1 within STARTUP_TIMEOUT_SECONDS and names the cause', async () => {
    const emulator = await freshEmulator({ identifyAnswer: 'nothing' });
    running = startBotProcess(emulator, { STARTUP_TIMEOUT_SECONDS: '3' });
    await emulator.waitForGateway((entry) => entry.direction === 'receive' && entry.op === 2, {
      from: 0,
      timeoutMs: 30_000,
    });
    const identifiedAt = Date.now();
    expect(await running.exited).toBe(1);
    expect(Date.now() - identifiedAt).toBeLessThan(8_000);
    expect(running.output()).toMatch(
      /Broadsheet stopped: Discord did not become ready within 3 s .*never answered IDENTIFY.*DISCORD_TOKEN/,
    );
  }, 60_000);

  it('GIVEN a bad token answered with 4000 THEN the closes are logged at warn and the process exits 1 at the timeout', async () => {
    const emulator = await freshEmulator({ identifyAnswer: 4000 });
    running = startBotProcess(emulator, { STARTUP_TIMEOUT_SECONDS: '3' });
    expect(await running.exited).toBe(1);
    const output = running.output();
    expect(output).toMatch(/"level":40[^\n]*gateway disconnected \(close 4000\); reconnecting/);
    expect(output).toMatch(/Broadsheet stopped: .*close code 4000.*DISCORD_TOKEN/);
  }, 60_000);

  it('GIVEN 4000 and then 4004 THEN the process exits 1 with the token message', async () => {
    const emulator = await freshEmulator({ identifyAnswer: 4000 });
    running = startBotProcess(emulator, { STARTUP_TIMEOUT_SECONDS: '30' });
    await emulator.waitForGateway((entry) => entry.direction === 'receive' && entry.op === 2, {
      from: 0,
      timeoutMs: 30_000,
    });
    emulator.configure({ identifyAnswer: 4004 });
    expect(await running.exited).toBe(1);
    expect(running.output()).toMatch(/Broadsheet stopped: the token was rejected \(4004/);
    expect(running.output()).toMatch(/"level":40[^\n]*close 4000/);
  }, 60_000);
});
