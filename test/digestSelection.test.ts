/** The status preview and the runner choose a digest through the same function, so they agree. */
import fs from 'node:fs';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { digestWindow, selectDigestArticles } from '../src/digest/selection.ts';
import type { DigestTargetRef } from '../src/store/types.ts';
import { engineOver, makeCorpus } from './digest-support/corpus.ts';
import { startFakeDiscord, type FakeDiscord } from './digest-support/fakeDiscord.ts';
import { createHarness, FakeClock, IDS, makeTempDir, type Harness } from './digest-support/harness.ts';

const HOUR = 3_600_000;
const nineAm = (day: number) => Date.UTC(2025, 5, day, 7, 0);
const articles = makeCorpus({ start: Date.UTC(2025, 4, 25), count: 24 * 20 });
const guildRef: DigestTargetRef = { kind: 'guild', guildId: IDS.guild };

let fake: FakeDiscord;
let dir: string;
let clock: FakeClock;
let bot: Harness;

beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  dir = makeTempDir();
  clock = new FakeClock(nineAm(2));
  bot = createHarness({ dbPath: path.join(dir, 'broadsheet.db'), api: fake.api, articles, clock });
});
afterEach(async () => {
  await bot.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('GIVEN a server digest with topics, a size and a quality floor', () => {
  it('THEN the preview names exactly the articles post-now then posts, and afterwards leaves them out', async () => {
    const settings = await bot.store.saveGuildDigest(
      {
        guildId: IDS.guild,
        channelId: IDS.channel,
        time: '09:00',
        timeZone: 'Europe/Berlin',
        size: 4,
        topics: ['Science'],
        minQuality: 30,
      },
      clock.now(),
    );
    const preview = await bot.digests.preview(settings);
    expect(preview).toHaveLength(4);
    expect(
      preview.every((article) => article.topics.includes('Science') && (article.quality ?? 0) >= 30),
    ).toBe(true);

    const posted = await bot.digests.postNow(guildRef);
    expect(posted.state).toBe('posted');
    if (posted.state === 'posted') expect(posted.articleIds).toEqual(preview.map((article) => article.id));

    clock.advance(HOUR);
    const after = await bot.digests.preview((await bot.store.getGuildDigest(IDS.guild))!);
    expect(after.map((article) => article.id).filter((id) => preview.some((seen) => seen.id === id))).toEqual(
      [],
    );
  });

  it('THEN the preview equals selectDigestArticles over the same window and history', async () => {
    const settings = await bot.store.saveGuildDigest(
      { guildId: IDS.guild, channelId: IDS.channel, time: '09:00', timeZone: 'UTC', size: 3 },
      clock.now(),
    );
    const direct = await selectDigestArticles(
      engineOver(articles),
      settings,
      digestWindow(settings, clock.now()),
      await bot.store.sentArticles(guildRef),
    );
    expect((await bot.digests.preview(settings)).map((article) => article.id)).toEqual(
      direct.map((article) => article.id),
    );
  });
});
