import { Client, GatewayIntentBits, REST, RESTEvents, Routes, type RateLimitData } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { BotRest } from '../src/discord/botRest.ts';
import { startEmulator, type Emulator, type EmulatorOptions } from './emulator/index.ts';

const USER = { id: '1200000000000000001', username: 'reader' };
const GUILD = '1100000000000000001';
const CHANNEL = '1100000000000000010';
/** More than Discord's global 50 a second: what @discordjs/rest would hold back by itself. */
const ANSWERS = 80;

let emu: Emulator | undefined;
let listener: Client | undefined;
afterEach(async () => {
  await listener?.destroy();
  await emu?.close();
  emu = undefined;
  listener = undefined;
});

/** One server with one channel and one member. */
function newsroom(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({
    users: [USER],
    guilds: [
      {
        id: GUILD,
        name: 'Newsroom',
        ownerId: USER.id,
        members: [{ user: USER.id }],
        channels: [{ id: CHANNEL, name: 'general' }],
      },
    ],
    ...options,
  });
}

/** `ANSWERS` interactions deferred, then edited, through `rest`; the global limits it imposed on itself. */
async function deferAndEdit(makeRest: (api: string) => REST): Promise<RateLimitData[]> {
  emu = await newsroom();
  // A gateway session for the interactions to arrive on; answering them is left to `rest`.
  listener = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: emu.apiUrl } });
  await listener.login(emu.token);
  await emu.waitForReady();
  const rest = makeRest(emu.apiUrl).setToken(emu.token);
  const held: RateLimitData[] = [];
  rest.on(RESTEvents.RateLimited, (info) => {
    if (info.global) held.push(info);
  });
  const handles = Array.from({ length: ANSWERS }, (_, i) =>
    emu!.sendCommand({
      name: 'search',
      options: { query: `story ${i}` },
      user: USER,
      guildId: GUILD,
      channelId: CHANNEL,
    }),
  );
  await Promise.all(
    handles.map(async (handle, i) => {
      await rest.post(Routes.interactionCallback(handle.id, handle.token), {
        body: { type: 5 },
        auth: false,
      });
      await rest.patch(Routes.webhookMessage(emu!.application.id, handle.token), {
        body: { content: `Answer ${i}`, allowed_mentions: { parse: [] } },
        auth: false,
      });
    }),
  );
  for (const [i, handle] of handles.entries()) {
    expect(handle.record.original?.content).toBe(`Answer ${i}`);
  }
  expect(emu.takeViolations()).toEqual([]);
  return held;
}

describe('the bot client REST manager', () => {
  it('GIVEN 80 deferred answers edited at once THEN none is held back by the 50-a-second global limit, which Discord does not apply to interaction webhooks', async () => {
    const held = await deferAndEdit((api) => new BotRest({ api }));
    expect(held).toEqual([]);
  });

  it('GIVEN the plain @discordjs/rest manager THEN it holds its own edits back (the reason for BotRest)', async () => {
    const held = await deferAndEdit((api) => new REST({ api }));
    expect(held.length).toBeGreaterThan(0);
  });

  it('GIVEN 80 channel messages at once through BotRest THEN the global limit still holds them back, and Discord sees no 429', async () => {
    emu = await newsroom({ rateLimit: { limit: 1_000, windowMs: 1_000 } });
    const rest = new BotRest({ api: emu.apiUrl }).setToken(emu.token);
    const held: RateLimitData[] = [];
    rest.on(RESTEvents.RateLimited, (info) => {
      if (info.global) held.push(info);
    });
    await Promise.all(
      Array.from({ length: ANSWERS }, (_, i) =>
        rest.post(Routes.channelMessages(CHANNEL), {
          body: { content: `Post ${i}`, allowed_mentions: { parse: [] } },
        }),
      ),
    );
    expect(held.length).toBeGreaterThan(0);
    expect(emu.rateLimitCounts.global).toBe(0);
    expect(emu.takeViolations()).toEqual([]);
  });
});
