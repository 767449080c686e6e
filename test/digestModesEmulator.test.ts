/**
 * The emulator's forum channels and threads hold the bot to Discord's rules: names of 1–100 characters,
 * at most five applied tags and only the forum's own, one thread per message (160004), and 50013/50001
 * for Create Posts, Create Public Threads and Send Messages in Threads.
 */
import { DiscordAPIError, REST } from '@discordjs/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Permissions, startEmulator, type Emulator } from './emulator/index.ts';
import { DEFAULT_BOT_PERMISSIONS } from './emulator/permissions.ts';

const GUILD = '100000000000000001';
const TEXT = '200000000000000001';
const FORUM = '200000000000000002';
let emu: Emulator;
let rest: REST;

beforeEach(async () => {
  emu = await startEmulator({
    guilds: [
      {
        id: GUILD,
        name: 'g',
        botPermissions: DEFAULT_BOT_PERMISSIONS | Permissions.CreatePublicThreads,
        channels: [
          { id: TEXT, name: 'news' },
          {
            id: FORUM,
            name: 'reading',
            type: 15,
            availableTags: ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ name })),
          },
        ],
      },
    ],
  });
  rest = new REST({ api: emu.apiUrl, retries: 0 }).setToken(emu.token);
});
afterEach(async () => {
  await emu.close();
});

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => (error instanceof DiscordAPIError ? [error.status, error.code] : error),
  );
const post = (body: Record<string, unknown>) => rest.post(`/channels/${FORUM}/threads`, { body });
const message = { content: 'hello', allowed_mentions: { parse: [] } };

describe('emulated forum posts and threads', () => {
  it('GIVEN a valid forum post THEN the post and its first message share an id, it lists as active, its channel shows the tags', async () => {
    const tags = emu.forumTags(FORUM);
    const created = (await post({ name: 'Daily', applied_tags: [tags[0]!.id], message })) as {
      id: string;
      parent_id: string;
      message: { id: string; channel_id: string };
      applied_tags: string[];
    };
    expect(created).toMatchObject({ parent_id: FORUM, applied_tags: [tags[0]!.id] });
    expect(created.message).toMatchObject({ id: created.id, channel_id: created.id });
    const active = (await rest.get(`/guilds/${GUILD}/threads/active`)) as { threads: { id: string }[] };
    expect(active.threads.map((thread) => thread.id)).toEqual([created.id]);
    const forum = (await rest.get(`/channels/${FORUM}`)) as { available_tags: { name: string }[] };
    expect(forum.available_tags.map((tag) => tag.name)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(emu.violations).toEqual([]);
  });

  it('GIVEN names and tags over the limits THEN 400 50035, and nothing is created', async () => {
    const ids = emu.forumTags(FORUM).map((tag) => tag.id);
    expect(await code(post({ name: 'x'.repeat(101), message }))).toEqual([400, 50035]);
    expect(await code(post({ name: '', message }))).toEqual([400, 50035]);
    expect(await code(post({ name: 'six tags', applied_tags: ids, message }))).toEqual([400, 50035]);
    expect(await code(post({ name: 'unknown tag', applied_tags: ['1'], message }))).toEqual([400, 50035]);
    expect(await code(post({ name: 'no message' }))).toEqual([400, 50035]);
    expect(await code(rest.post(`/channels/${FORUM}/messages`, { body: message }))).toEqual([400, 50008]);
    expect(emu.threadsIn(FORUM)).toEqual([]);
  });

  it('GIVEN missing permissions THEN 50013 for Create Posts, Create Public Threads, Send Messages in Threads, and 50001 without View Channel', async () => {
    emu.setBotChannelPermissions(FORUM, { deny: Permissions.SendMessages });
    expect(await code(post({ name: 'p', message }))).toEqual([403, 50013]);
    emu.setBotChannelPermissions(FORUM, { deny: Permissions.ViewChannel });
    expect(await code(post({ name: 'p', message }))).toEqual([403, 50001]);

    const sent = (await rest.post(`/channels/${TEXT}/messages`, { body: message })) as { id: string };
    emu.setBotChannelPermissions(TEXT, { deny: Permissions.CreatePublicThreads });
    expect(
      await code(rest.post(`/channels/${TEXT}/messages/${sent.id}/threads`, { body: { name: 't' } })),
    ).toEqual([403, 50013]);
    emu.setBotChannelPermissions(TEXT, { deny: Permissions.SendMessagesInThreads });
    const thread = (await rest.post(`/channels/${TEXT}/messages/${sent.id}/threads`, {
      body: { name: 't' },
    })) as {
      id: string;
    };
    expect(thread.id).toBe(sent.id);
    expect(await code(rest.post(`/channels/${thread.id}/messages`, { body: message }))).toEqual([403, 50013]);
    expect(
      await code(rest.post(`/channels/${TEXT}/messages/${sent.id}/threads`, { body: { name: 't' } })),
    ).toEqual([400, 160004]);
    const fetched = (await rest.get(`/channels/${TEXT}/messages/${sent.id}`)) as { thread?: { id: string } };
    expect(fetched.thread?.id).toBe(sent.id);
  });
});
