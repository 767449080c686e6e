import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../src/ops/metrics.ts';
import { makeCorpus } from './digest-support/corpus.ts';
import { startFakeDiscord, type FakeDiscord } from './digest-support/fakeDiscord.ts';
import { createHarness, FakeClock, IDS, makeTempDir } from './digest-support/harness.ts';

let fake: FakeDiscord;
beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterAll(async () => {
  await fake.close();
});

describe('digest runs in /metrics', () => {
  it('GIVEN a posted digest and then an empty one THEN broadsheet_digest_runs_total counts each outcome', async () => {
    const dir = makeTempDir();
    const clock = new FakeClock(Date.UTC(2025, 5, 2, 7, 0));
    const metrics = new Metrics({ processMetrics: false });
    const articles = makeCorpus({ start: Date.UTC(2025, 5, 1), count: 24 });
    const bot = createHarness({
      dbPath: path.join(dir, 'broadsheet.db'),
      api: fake.api,
      articles,
      clock,
      onRun: (report) => metrics.digestRun(report.state),
    });
    try {
      await bot.store.saveGuildDigest(
        { guildId: IDS.guild, channelId: IDS.channel, time: '09:00', timeZone: 'Europe/Berlin', size: 10 },
        clock.now(),
      );
      expect((await bot.digests.postNow({ kind: 'guild', guildId: IDS.guild })).state).toBe('posted');
      clock.advance(60_000);
      expect((await bot.digests.postNow({ kind: 'guild', guildId: IDS.guild })).state).toBe('empty');
      const text = (await metrics.render()).body;
      expect(text).toMatch(/broadsheet_digest_runs_total\{outcome="posted"\} 1/);
      expect(text).toMatch(/broadsheet_digest_runs_total\{outcome="empty"\} 1/);
    } finally {
      await bot.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
