import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InteractionRecord } from './emulator/index.ts';
import { GENERAL, GUILD, MEMBER, startHarness, type Harness } from './support/bot.ts';

/**
 * A burst queues interactions behind each other; one expected to wait is acknowledged at once and
 * answered by an edit. `earlyAckMs: 0` makes every interaction with anything queued ahead of it wait
 * "too long", so the deferred path is taken for most of a burst, whatever this machine's speed.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ bot: { earlyAckMs: 0 } });
});

afterAll(async () => {
  await h?.stop();
});

const BURST = 30;

function burst(name: string, options: Record<string, string>): Promise<InteractionRecord[]> {
  return Promise.all(
    Array.from({ length: BURST }, () =>
      h.emu
        .sendCommand({ name, options, user: MEMBER, guildId: GUILD, channelId: GENERAL })
        .settled({ timeoutMs: 30_000 }),
    ),
  );
}

/** What the user can see of an answer: the original response (unless deleted) and follow-ups. */
function visible(record: InteractionRecord) {
  return [record.original, ...record.followUps].filter(
    (message): message is NonNullable<typeof message> => message !== null && !message.deleted,
  );
}

describe('a burst of interactions', () => {
  it('GIVEN 30 searches at once THEN the queued ones are acknowledged first and each user gets the full answer once', async () => {
    const records = await burst('search', { query: 'machine learning' });
    expect(records.filter((record) => record.responseType === 5).length).toBeGreaterThan(0);
    for (const record of records) {
      expect(record.acknowledged).toBe(true);
      const messages = visible(record);
      expect(messages).toHaveLength(1);
      expect(messages[0]!.content).toContain('Search: machine learning');
      expect(messages[0]!.embeds).toHaveLength(5);
      expect(messages[0]!.flags & 64).toBe(0);
    }
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN 30 lookups of an unknown article at once THEN every notice stays private, also where the public "thinking…" went first', async () => {
    const records = await burst('related', { article: 'no such article anywhere' });
    const deferred = records.filter((record) => record.responseType === 5);
    expect(deferred.length).toBeGreaterThan(0);
    for (const record of records) {
      const messages = visible(record);
      expect(messages).toHaveLength(1);
      expect(messages[0]!.content).toMatch(/No article .* in the library/);
      expect(messages[0]!.flags & 64).toBe(64);
    }
    // The public placeholder of each deferred one is gone.
    for (const record of deferred) expect(record.original?.deleted).toBe(true);
    expect(h.emu.takeViolations()).toEqual([]);
  });
});
