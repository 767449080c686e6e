/**
 * `/subscribe` remembers where it was used, to say there if the subscriber's DMs turn out to be closed.
 * Some servers send interactions without a channel (discord.js then has `channelId` null, typed as a
 * string): the bot falls back to the DM channel in a DM and refuses in a server; the store never keeps
 * a null or empty channel.
 */
import fs from 'node:fs';
import path from 'node:path';

import pino from 'pino';
import { Routes } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';

import { commands } from '../commands/index.ts';
import { NO_ORIGIN_CHANNEL } from '../commands/subscribe.ts';
import { createDigests, type Digests } from '../src/discord/digests.ts';
import { createDigestRest } from '../src/discord/discordDelivery.ts';
import { Library } from '../src/search/library.ts';
import { SqliteStore } from '../src/store/sqliteStore.ts';
import { StoreValidationError } from '../src/store/validation.ts';
import { makeTempDir } from './digest-support/harness.ts';
import type { InteractionRecord } from './emulator/index.ts';
import { makeArticles } from './support/articles.ts';
import { GENERAL, GUILD, MEMBER, TOKEN, startHarness, type Harness } from './support/bot.ts';

const OPTIONS = { topic: 'Science', time: '09:00', timezone: 'Europe/Berlin' };
/** Never fires during a test. */
const NEVER = '0 0 0 1 1 *';

let dir: string;
let store: SqliteStore;
let digests: Digests;
let h: Harness | undefined;

async function boot() {
  dir = makeTempDir();
  store = SqliteStore.openInDataDir(dir);
  const rest = createDigestRest(TOKEN);
  digests = createDigests({
    store,
    rest,
    library: () => h!.bot.context.library.current,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    now: () => Date.UTC(2025, 5, 2, 6, 0),
    cronExpression: NEVER,
  });
  h = await startHarness({
    library: Library.fromArticles(
      makeArticles([
        { title: 'Bees learn to count to four', topics: ['Science'], date: '2025-06-01T10:00:00Z' },
      ]),
    ),
    bot: { digest: digests.service },
  });
  rest.options.api = h.emu.apiUrl;
  await digests.start();
  await h.bot.client.rest.put(Routes.applicationCommands(h.emu.application.id), {
    body: commands.map((command) => command.data),
  });
}

afterEach(async () => {
  await h?.bot.drain();
  await digests?.stop();
  await store?.close();
  await h?.stop();
  h = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const answer = (record: InteractionRecord) => record.original?.content ?? '';

describe('GIVEN /subscribe from a server that sends no channel with the interaction', () => {
  it('WHEN used in a server channel THEN it refuses, says why, and stores nothing', async () => {
    await boot();
    const handle = h!.emu.sendCommand({
      name: 'subscribe',
      user: MEMBER,
      guildId: GUILD,
      channelId: GENERAL,
      options: OPTIONS,
      omitChannel: true,
    });
    expect(handle.payload).not.toHaveProperty('channel_id');
    const record = await handle.settled();
    expect(answer(record)).toBe(NO_ORIGIN_CHANNEL);
    expect(record.ephemeral).toBe(true);
    expect(await store.listSubscriptions(MEMBER.id)).toEqual([]);
    expect(h!.emu.violations).toEqual([]);
  });

  it('WHEN used in a DM THEN the DM channel opened for the user is stored as where to tell them', async () => {
    await boot();
    const record = await h!.emu
      .sendCommand({ name: 'subscribe', user: MEMBER, options: OPTIONS, omitChannel: true })
      .settled();
    expect(answer(record)).toContain('Subscribed: a digest of **Science**');
    const [subscription] = await store.listSubscriptions(MEMBER.id);
    expect(subscription?.originChannelId).toBe(h!.emu.dmChannelId(MEMBER.id));
    expect(h!.emu.violations).toEqual([]);
  });
});

describe('GIVEN the store', () => {
  it.each([null, '', undefined])(
    'WHEN a subscription has %j as its origin channel THEN it is refused',
    async (bad) => {
      const dir = makeTempDir();
      const store = new SqliteStore(path.join(dir, 'broadsheet.db'));
      try {
        const input = {
          userId: MEMBER.id,
          topic: 'Science',
          topicKey: 'science',
          time: '09:00',
          timeZone: 'Europe/Berlin',
          originChannelId: bad as unknown as string,
        };
        await expect(store.saveSubscription(input, Date.now())).rejects.toThrow(StoreValidationError);
        await expect(store.saveSubscription(input, Date.now())).rejects.toThrow(
          'originChannelId must be a Discord id',
        );
        expect(await store.listSubscriptions(MEMBER.id)).toEqual([]);
      } finally {
        await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
