import { describe, expect, it } from 'vitest';

import { digestContent } from '../src/digest/content.ts';
import {
  carriesDigestReference,
  digestReference,
  renderDigestMessage,
  renderDmsClosedNotice,
} from '../src/discord/renderDigest.ts';
import type { GuildDigestSettings } from '../src/store/types.ts';
import { makeArticles } from './support/articles.ts';

const ROLE = '123456789012345678';
const articles = makeArticles(
  Array.from({ length: 12 }, (_, i) => ({
    title: `**Bold** <@&${ROLE}> claim number ${i} ${'x'.repeat(300)}`,
    excerpt: `@everyone ${'y'.repeat(2_000)}`,
    provider: '<#1> Provider',
  })),
);
const guild = {
  kind: 'guild',
  guildId: '100000000000000001',
  channelId: '200000000000000001',
  timeZone: 'Europe/Berlin',
  mentionRoleId: ROLE,
  name: 'daily',
  topics: [],
} as unknown as GuildDigestSettings;
const at = Date.UTC(2025, 5, 2, 7);

describe('renderDigestMessage', () => {
  it('GIVEN a digest with a role THEN only that role may be mentioned, and only in the prefix', () => {
    const content = digestContent({ runId: 1, nonce: 'n', target: guild, articles, at });
    const body = renderDigestMessage(content);
    expect(body.content).toBe(`<@&${ROLE}> **Daily digest · Mon 2 Jun**`);
    expect(body.allowed_mentions).toEqual({ parse: [], roles: [ROLE] });
    expect(body.embeds).toHaveLength(10);
    for (const embed of body.embeds ?? []) expect(embed.title).not.toContain(`<@&${ROLE}>`);
    const unmentioned = renderDigestMessage({ ...content, mentionRoleId: null });
    expect(unmentioned.allowed_mentions).toEqual({ parse: [] });
    expect(unmentioned.content).toBe('**Daily digest · Mon 2 Jun**');
  });

  it('GIVEN the same content twice (a resumed run) THEN the message is identical, after a JSON round trip too', () => {
    const content = digestContent({
      runId: 7,
      nonce: 'n',
      target: guild,
      articles: articles.slice(0, 3),
      at,
    });
    const stored = JSON.parse(JSON.stringify(content)) as typeof content;
    expect(renderDigestMessage(stored)).toEqual(renderDigestMessage(content));
    expect(JSON.stringify(content)).not.toMatch(/<@&\d+> \*\*/);
  });

  it('GIVEN a digest THEN its last footer ends with the run reference, which tells it from other runs', () => {
    const content = digestContent({
      runId: 1,
      nonce: 'k7Fq2xZ1abcdefghijklmnopq',
      target: guild,
      articles,
      at,
    });
    const body = renderDigestMessage(content);
    expect(digestReference(content)).toBe('run 1·k7Fq2xZ1');
    expect(body.embeds?.at(-1)?.footer?.text).toMatch(/ · run 1·k7Fq2xZ1$/);
    expect(carriesDigestReference(body, digestReference(content))).toBe(true);
    // Another database's run 1 (another target or due time) and this database's run 21 do not match.
    expect(carriesDigestReference(body, digestReference({ runId: 1, nonce: 'Other123' }))).toBe(false);
    expect(carriesDigestReference(body, digestReference({ runId: 21, nonce: content.nonce }))).toBe(false);
    const longer = renderDigestMessage({ ...content, runId: 21 });
    expect(carriesDigestReference(longer, digestReference(content))).toBe(false);
  });

  it('GIVEN a closed-DMs notice THEN it pings only the subscriber and escapes the topic', () => {
    const notice = renderDmsClosedNotice('400000000000000001', '*Science*');
    expect(notice.content).toMatch(
      /^<@400000000000000001> I couldn't send your \*\*\\\*Science\\\*\*\* digest/,
    );
    expect(notice.allowed_mentions).toEqual({ parse: [], users: ['400000000000000001'] });
  });
});
