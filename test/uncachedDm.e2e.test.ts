/**
 * A DM whose MESSAGE_CREATE lacks `channel_type`, for a channel the client has not cached: discord.js 14.28
 * cannot build the channel and drops it silently. The bot fetches the channel and answers, exactly once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { MEMBER, startHarness, type Harness } from './support/bot.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

const channelFetches = (channelId: string) =>
  h.emu.requests.filter((request) => request.method === 'GET' && request.path === `/channels/${channelId}`)
    .length;

/** Waits long enough for a second, duplicate answer to show up if there were one. */
const quietly = () => new Promise((resolve) => setTimeout(resolve, 400));

describe('GIVEN a fresh bot that has cached no DM channel', () => {
  it('WHEN a DM arrives without channel_type THEN the channel is fetched and the DM is answered once', async () => {
    const dm = h.emu.sendDirectMessage({ user: MEMBER, content: 'self-driving cars', omitChannelType: true });
    expect(dm.payload).not.toHaveProperty('channel_type');
    expect(h.bot.client.channels.cache.has(dm.channelId)).toBe(false);

    const [reply] = await dm.settled();
    await quietly();
    expect(dm.replies()).toHaveLength(1);
    expect(reply?.embeds[0]?.title).toContain('Self-driving cars learn to see pedestrians');
    expect(channelFetches(dm.channelId)).toBe(1);
    expect(h.emu.violations).toEqual([]);

    // The channel is cached now: the next one goes through discord.js alone, still answered once.
    const next = h.emu.sendDirectMessage({ user: MEMBER, content: 'topics', omitChannelType: true });
    await next.settled();
    await quietly();
    expect(next.replies()).toHaveLength(1);
    expect(channelFetches(dm.channelId)).toBe(1);
  });

  it('WHEN a DM arrives with channel_type THEN discord.js handles it and the fallback stays out of it', async () => {
    const dm = h.emu.sendDirectMessage({ user: MEMBER, content: 'self-driving cars' });
    await dm.settled();
    await quietly();
    expect(dm.replies()).toHaveLength(1);
    expect(channelFetches(dm.channelId)).toBe(0);
    expect(h.emu.violations).toEqual([]);
  });

  it('WHEN a bot DMs without channel_type THEN nothing is fetched or answered', async () => {
    const dm = h.emu.sendDirectMessage({
      user: { id: '1300000000000000009', username: 'otherbot' },
      bot: true,
      content: 'hello',
      omitChannelType: true,
    });
    await quietly();
    expect(dm.replies()).toEqual([]);
    expect(channelFetches(dm.channelId)).toBe(0);
  });
});
