import { Writable } from 'node:stream';
import { ApplicationCommandType } from 'discord.js';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../commands/index.ts';
import { LibraryRef } from '../src/app/libraryRef.ts';
import type { Command } from '../src/discord/command.ts';
import type { DigestService } from '../src/discord/digestService.ts';
import { RESTARTING } from '../src/discord/dispatcher.ts';
import { renderNotice } from '../src/discord/render.ts';
import { createBot, StartupError, type BotOptions, type RunningBot } from '../src/discord/startBot.ts';
import { HealthState } from '../src/ops/health.ts';
import { startHealthServer, type HealthServer } from '../src/ops/healthServer.ts';
import { Metrics, type GatewayState } from '../src/ops/metrics.ts';
import { Library } from '../src/search/library.ts';
import { startEmulator, type Emulator, type EmulatorOptions } from './emulator/index.ts';
import { makeArticles } from './support/articles.ts';
import { ADMIN, fixtureCorpus, GENERAL, GUILD, MEMBER, TOKEN } from './support/bot.ts';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}
const WARN = 40;

/** A pino logger whose lines the test can read. */
function capturingLogger() {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

let emu: Emulator | undefined;
let bot: RunningBot | undefined;
let server: HealthServer | undefined;

afterEach(async () => {
  await bot?.destroy();
  await server?.close();
  await emu?.close();
  bot = emu = server = undefined;
});

async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  emu = await startEmulator({
    token: TOKEN,
    heartbeatIntervalMs: 500,
    users: [ADMIN, MEMBER],
    guilds: [
      {
        id: GUILD,
        name: 'Newsroom',
        ownerId: ADMIN.id,
        members: [{ user: ADMIN.id }, { user: MEMBER.id }],
        channels: [{ id: GENERAL, name: 'general' }],
      },
    ],
    ...options,
  });
  return emu;
}

function botOptions(emulator: Emulator, extra: Partial<BotOptions> = {}): BotOptions & { lines: LogLine[] } {
  const { logger, lines } = capturingLogger();
  return {
    config: { DISCORD_TOKEN: TOKEN, DISCORD_API_URL: emulator.apiUrl, DM_MESSAGES_PER_MINUTE: 6 },
    library: new LibraryRef(Library.fromArticles(makeArticles(fixtureCorpus()))),
    commands,
    logger,
    ...extra,
    lines,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(25);
  }
}

describe('/healthz and /metrics', () => {
  it('GIVEN a ready bot that answered commands THEN /healthz is 200 and /metrics counts them by command and outcome, naming no user and no token', async () => {
    const e = await emulator();
    const metrics = new Metrics();
    const health = new HealthState();
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      health: () => health.check(),
      metrics: () => metrics.render(),
    });
    const url = `http://127.0.0.1:${server.port}`;
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({
      status: 'unavailable',
      reason: 'library loading',
    });
    health.libraryLoaded();
    const options = botOptions(e, {
      metrics,
      onGatewayState: (state: GatewayState, code?: number) => health.gateway(state, code),
    });
    const starting = createBot(options);
    const before = await fetch(`${url}/healthz`);
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({ reason: 'gateway connecting' });
    bot = await starting;

    const healthy = await fetch(`${url}/healthz`);
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toEqual({ status: 'ok' });

    const search = await e
      .sendCommand({
        name: 'search',
        options: { query: 'deep learning' },
        user: ADMIN,
        guildId: GUILD,
        channelId: GENERAL,
      })
      .settled();
    await e
      .sendAutocomplete({
        name: 'topic',
        options: { name: 'mach' },
        focused: 'name',
        user: MEMBER,
        guildId: GUILD,
        channelId: GENERAL,
      })
      .settled();

    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(
      /broadsheet_interactions_total\{kind="command",command="search",outcome="answered"\} 1/,
    );
    expect(text).toMatch(
      /broadsheet_interactions_total\{kind="autocomplete",command="topic",outcome="answered"\} 1/,
    );
    expect(text).toMatch(/broadsheet_interaction_duration_seconds_count\{kind="command"\} 1/);
    expect(text).toMatch(/broadsheet_gateway_state\{state="ready"\} 1/);
    expect(text).toMatch(
      /broadsheet_discord_rest_responses_total\{source="bot",method="GET",status="200"\} [1-9]/,
    );
    expect(text).toContain('broadsheet_feed_imports_total');
    for (const secret of [TOKEN, search.token, ADMIN.id, MEMBER.id, GUILD, GENERAL, search.id]) {
      expect(text).not.toContain(secret);
    }

    expect((await fetch(`${url}/healthz`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${url}/`)).status).toBe(404);
    expect(e.takeViolations()).toEqual([]);
  });

  it('GIVEN Discord answers 429 THEN /metrics counts the status for the bot’s REST client', async () => {
    const e = await emulator();
    const metrics = new Metrics();
    bot = await createBot(botOptions(e, { metrics }));
    e.rateLimit({ route: '/channels/:channel_id/messages', method: 'POST', count: 1, retryAfterMs: 50 });
    const channel = await bot.client.channels.fetch(GENERAL);
    if (!channel?.isSendable()) throw new Error('general is not sendable');
    await channel.send(renderNotice('hello'));
    const { body } = await metrics.render();
    expect(body).toMatch(
      /broadsheet_discord_rest_responses_total\{source="bot",method="POST",status="429"\} 1/,
    );
    expect(body).toMatch(
      /broadsheet_discord_rest_responses_total\{source="bot",method="POST",status="200"\} 1/,
    );
    expect(body).toMatch(
      /broadsheet_discord_rate_limited_total\{source="bot",scope="user",global="false"\} [1-9]/,
    );
  });
});

describe('gateway trouble is visible', () => {
  it('GIVEN the gateway closes with 4000 again and again THEN each disconnect is logged with its code, at warn once more than three come in a minute, and /healthz says why', async () => {
    const e = await emulator();
    const metrics = new Metrics();
    const states: [GatewayState, number | undefined][] = [];
    const options = botOptions(e, { metrics, onGatewayState: (state, code) => states.push([state, code]) });
    bot = await createBot(options);
    const health = new HealthState();
    health.libraryLoaded();
    for (let i = 0; i < 5; i++) {
      const since = e.stats.resumes;
      e.closeWith(4000);
      await e.waitForResumed({ since });
    }
    await until(() => options.lines.filter((line) => line.msg === 'gateway resumed').length === 5);
    const disconnects = options.lines.filter((line) => line.msg.startsWith('gateway disconnected'));
    expect(disconnects.map((line) => [line.code, line.level >= WARN])).toEqual([
      [4000, false],
      [4000, false],
      [4000, false],
      [4000, true],
      [4000, true],
    ]);
    expect(disconnects[0]).toMatchObject({
      msg: 'gateway disconnected (close 4000); reconnecting',
      action: 'resume',
    });
    expect(states).toContainEqual(['reconnecting', 4000]);
    expect(states.at(-1)).toEqual(['ready', undefined]);
    health.gateway('reconnecting', 4000);
    expect(health.check()).toEqual({ healthy: false, reason: 'gateway reconnecting (close 4000)' });
    expect((await metrics.render()).body).toMatch(/broadsheet_gateway_reconnects_total\{code="4000"\} 5/);
    expect(e.takeViolations()).toEqual([]);
  });

  it('GIVEN an invalidated session THEN it is logged and the bot identifies again', async () => {
    const e = await emulator();
    const options = botOptions(e);
    bot = await createBot(options);
    const identifies = e.stats.identifies;
    e.invalidateSession(false);
    await until(() => e.stats.identifies > identifies, 15_000);
    await e.waitForReady(15_000);
    await until(() => options.lines.some((line) => line.msg === 'gateway ready (new session)'));
    expect(options.lines.find((line) => line.msg === 'gateway session invalidated')).toMatchObject({
      resumable: false,
    });
    expect(options.lines.find((line) => line.msg.startsWith('gateway disconnected'))).toMatchObject({
      action: 'new session',
    });
  }, 30_000);

  it('GIVEN a gateway that never answers IDENTIFY THEN createBot rejects at the startup timeout, names the likely cause', async () => {
    const e = await emulator({ identifyAnswer: 'nothing' });
    const started = Date.now();
    const failure = await createBot(botOptions(e, { startupTimeoutMs: 1_500 })).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(StartupError);
    expect((failure as Error).message).toMatch(/within 1\.5 s.*never answered IDENTIFY.*DISCORD_TOKEN/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('GIVEN a server that answers IDENTIFY with 4000 THEN the close is logged at warn and start-up fails at the timeout naming the token', async () => {
    const e = await emulator({ identifyAnswer: 4000 });
    const options = botOptions(e, { startupTimeoutMs: 2_000 });
    const failure = await createBot(options).catch((error: unknown) => error);
    expect((failure as Error).message).toMatch(
      /closed the connection 1 time\(s\), last with close code 4000.*DISCORD_TOKEN/,
    );
    const close = options.lines.find((line) => line.msg.startsWith('gateway disconnected'));
    expect(close).toMatchObject({ code: 4000, level: WARN, beforeReady: true });
  });

  it('GIVEN 4000 first and then 4004 THEN start-up fails with the token message before the timeout', async () => {
    const e = await emulator({ identifyAnswer: 4000 });
    const options = botOptions(e, { startupTimeoutMs: 30_000 });
    const starting = createBot(options).catch((error: unknown) => error);
    await until(() => options.lines.some((line) => line.msg.startsWith('gateway disconnected')));
    e.configure({ identifyAnswer: 4004 });
    const failure = await starting;
    expect(failure).toBeInstanceOf(StartupError);
    expect((failure as Error).message).toMatch(/token was rejected \(4004/);
    expect(options.lines.find((line) => line.msg.startsWith('gateway disconnected'))).toMatchObject({
      level: WARN,
    });
  }, 30_000);
});

describe('shutdown while interactions arrive', () => {
  it('GIVEN drain() while commands, autocomplete, a digest command and a DM arrive THEN work in flight finishes, the rest get the restarting answer, none an error, and the database is never touched', async () => {
    const e = await emulator();
    let releaseSlow: () => void = () => undefined;
    let slowStarted = false;
    const slow: Command = {
      data: {
        name: 'slow',
        description: 'Answers when the test says so',
        type: ApplicationCommandType.ChatInput,
      },
      async execute(_interaction, _context, respond) {
        slowStarted = true;
        await new Promise<void>((resolve) => (releaseSlow = resolve));
        await respond.send(renderNotice('slow answer'));
      },
    };
    const storeTouched: string[] = [];
    const store = new Proxy(
      {},
      {
        get(_target, key) {
          storeTouched.push(String(key));
          throw new Error('the database is closed');
        },
      },
    );
    const digest = {
      store,
      scheduler: { schedule: () => undefined, tick: () => undefined },
    } as unknown as DigestService;
    const metrics = new Metrics();
    const options = botOptions(e, { commands: [...commands, slow], digest, metrics, deferAfterMs: 2_000 });
    bot = await createBot(options);
    const where = { guildId: GUILD, channelId: GENERAL };

    const inFlight = e.sendCommand({ name: 'slow', user: ADMIN, ...where });
    await until(() => slowStarted);
    bot.stopAccepting();
    const draining = bot.drain();
    const refused = [
      e.sendCommand({ name: 'search', options: { query: 'deep learning' }, user: MEMBER, ...where }),
      e.sendCommand({ name: 'subscriptions', user: MEMBER, ...where }),
      e.sendCommand({ name: 'digest-settings', subcommand: 'status', user: ADMIN, ...where }),
    ];
    const autocomplete = e.sendAutocomplete({
      name: 'topic',
      options: { name: 'mach' },
      focused: 'name',
      user: MEMBER,
      ...where,
    });
    const dm = e.sendDirectMessage({ user: MEMBER, content: 'deep learning' });
    const records = await Promise.all(refused.map((handle) => handle.settled()));
    for (const record of records) {
      expect(record.original?.content).toBe(RESTARTING);
      expect(record.ephemeral).toBe(true);
    }
    expect((await autocomplete.settled()).autocompleteChoices).toEqual([]);
    expect((await dm.waitForReply()).content).toBe(RESTARTING);

    let drained = false;
    void draining.then(() => (drained = true));
    await sleep(100);
    expect(drained).toBe(false); // still waiting for the slow command
    releaseSlow();
    await draining;
    expect((await inFlight.settled()).original?.content).toBe('slow answer');

    // After the drain (the database closing), a late command still gets the restarting answer.
    const late = await e.sendCommand({ name: 'subscriptions', user: ADMIN, ...where }).settled();
    expect(late.original?.content).toBe(RESTARTING);
    expect(storeTouched).toEqual([]);
    expect(options.lines.filter((line) => line.level >= 50)).toEqual([]);
    const { body } = await metrics.render();
    expect(body).toMatch(
      /broadsheet_interactions_total\{kind="command",command="subscriptions",outcome="restarting"\} 2/,
    );
    expect(body).toMatch(
      /broadsheet_interactions_total\{kind="command",command="slow",outcome="answered"\} 1/,
    );
    expect(e.takeViolations()).toEqual([]);
  });
});
