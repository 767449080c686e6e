import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Routes,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
} from 'discord.js';
import { commands } from '../commands/index.ts';
import type { Command } from '../src/discord/command.ts';
import { renderNotice } from '../src/discord/render.ts';
import { ResultSessions } from '../src/discord/resultSessions.ts';
import { Library } from '../src/search/library.ts';
import type { StoredMessage } from './emulator/index.ts';
import { makeArticles } from './support/articles.ts';
import { ADMIN, fixtureCorpus, GENERAL, GUILD, MEMBER, startHarness, type Harness } from './support/bot.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
});

function rows(message: StoredMessage | null | undefined) {
  return (message?.components ?? []) as APIActionRowComponent<APIComponentInMessageActionRow>[];
}

function customIds(message: StoredMessage | null | undefined): string[] {
  return rows(message).flatMap((row) =>
    row.components.map((component) => ('custom_id' in component ? component.custom_id : '')),
  );
}

function titles(message: StoredMessage | null | undefined): string[] {
  return (message?.embeds ?? []).map((embed: APIEmbed) => embed.title ?? '');
}

/** Sends a slash command (in #general unless `dm`) to the shared bot, or to `where.harness`'s. */
async function command(
  name: string,
  options: Record<string, string> = {},
  where: { dm?: boolean; user?: typeof ADMIN; harness?: Harness } = {},
) {
  const handle = (where.harness ?? h).emu.sendCommand({
    name,
    options,
    user: where.user ?? MEMBER,
    ...(where.dm ? {} : { guildId: GUILD, channelId: GENERAL }),
  });
  const record = await handle.settled();
  return { handle, record, original: record.original };
}

/** The choices the bot offers for `typed` in /related's article option, in a server channel. */
async function relatedChoices(typed: string) {
  const record = await h.emu
    .sendAutocomplete({
      name: 'related',
      options: { article: typed },
      focused: 'article',
      user: MEMBER,
      guildId: GUILD,
      channelId: GENERAL,
    })
    .settled();
  return record.autocompleteChoices ?? [];
}

function expectNoViolations() {
  expect(h.emu.takeViolations()).toEqual([]);
}

describe('slash commands through the real client', () => {
  it('GIVEN /search THEN a page of 5 linked embeds with ◀ ▶, a related menu, escaped text and no mentions', async () => {
    const { record, original } = await command('search', { query: 'machine learning' });
    expect(record.responseType).toBe(4);
    expect(record.ephemeral).toBe(false);
    expect(original?.content).toContain('Search: machine learning');
    expect(original?.embeds).toHaveLength(5);
    const first = original!.embeds[0]!;
    expect(first.url).toMatch(/^https:\/\//);
    expect(first.fields?.map((field) => field.name)).toEqual(
      expect.arrayContaining(['Provider', 'Published', 'Why']),
    );
    expect(first.fields?.find((field) => field.name === 'Published')?.value).toMatch(/^<t:\d+:D>$/);
    expect(first.footer?.text).toMatch(/^id [\w-]{8}$/);
    expect(customIds(original)).toEqual(expect.arrayContaining([expect.stringMatching(/^page:/), 'relmenu']));
    expect(original?.allowedMentions).toEqual({ parse: [] });
    expectNoViolations();
  });

  it('GIVEN article text with markdown, a masked link and @everyone THEN it is shown escaped, one per story', async () => {
    const { original } = await command('search', { query: 'tumors' });
    const tumor = original!.embeds[0]!;
    expect(tumor.description).toContain('\\*\\*deep learning\\*\\*');
    expect(tumor.description).toContain('\\[PET scans\\]');
    expect(original?.allowedMentions).toEqual({ parse: [] });
    expect(titles(original).filter((title) => title.includes('interpretation of tumors'))).toHaveLength(1);
    expectNoViolations();
  });

  it('GIVEN ▶ then ◀ on a result list THEN the same message shows the next and previous page', async () => {
    const { original } = await command('search', { query: 'machine learning roundup' });
    const next = customIds(original).find((id) => id.startsWith('page:') && id.endsWith(':1'))!;
    const click = h.emu.clickButton({ customId: next, messageId: original!.id, user: MEMBER });
    const paged = await click.settled();
    expect(paged.responseType).toBe(7);
    const updated = h.emu.getMessage(original!.id)!;
    expect(updated.embeds[0]?.title).toMatch(/^6\. /);
    expect(customIds(updated)).toContain(next.replace(/:1$/, ':2'));
    const back = h.emu.clickButton({
      customId: next.replace(/:1$/, ':0'),
      messageId: original!.id,
      user: ADMIN,
    });
    await back.settled();
    expect(h.emu.getMessage(original!.id)!.embeds[0]?.title).toMatch(/^1\. /);
    expectNoViolations();
  });

  it('GIVEN the related menu THEN related reading opens: curated first, its own story only as another outlet ran it', async () => {
    const { original } = await command('search', { query: 'tumors' });
    const id = original!.embeds[0]!.footer!.text.replace('id ', '');
    const select = h.emu.selectMenu({
      customId: 'relmenu',
      messageId: original!.id,
      user: MEMBER,
      values: [id],
    });
    const record = await select.settled();
    expect(record.original?.content).toContain('Related to: Deep learning improves interpretation of tumors');
    const related = titles(record.original);
    expect(related[0]).toContain('Overcoming challenges to machine learning in the lab');
    const ownStory = record.original!.embeds.filter((embed) =>
      embed.title?.includes('interpretation of tumors'),
    );
    expect(ownStory.length).toBeLessThanOrEqual(1);
    for (const embed of ownStory) {
      expect(embed.footer?.text).not.toBe(`id ${id}`);
      expect(embed.fields?.find((field) => field.name === 'Why')?.value).toMatch(/^the same story, as /);
    }
    expectNoViolations();
  });

  it('GIVEN /topic, /topics, /trending, /digest and /help THEN each answers within the limits', async () => {
    const topic = await command('topic', { name: 'machine learning' });
    expect(topic.original?.content).toContain('Topic: Machine Learning');
    expect(topic.original?.embeds.length).toBe(5);
    const topics = await command('topics');
    expect(topics.original?.embeds[0]?.description).toContain('**Machine Learning** · 14');
    const trending = await command('trending', { period: 'week' });
    expect(trending.original?.content).toContain('Trending this week');
    const digest = await command('digest', { date: '2021-10-19' });
    expect(titles(digest.original)[0]).toContain('Deep learning improves interpretation of tumors');
    const help = await command('help');
    expect(help.record.ephemeral).toBe(true);
    expect(help.original?.embeds[0]?.description).toContain('/search');
    expectNoViolations();
  });

  it('GIVEN /related with a pasted URL, an id or an unknown title THEN it resolves or explains', async () => {
    const byUrl = await command('related', {
      article: 'https://www.medicalxpress.com/news/2021-10-deep-tumors.html',
    });
    expect(byUrl.original?.content).toContain('Related to: Deep learning improves interpretation of tumors');
    const unknown = await command('related', { article: 'no such article anywhere' });
    expect(unknown.record.ephemeral).toBe(true);
    expect(unknown.original?.content).toMatch(/No article .* in the library/);
    expectNoViolations();
  });

  it.each(['C++', 'title:', '-', '*', 'foo~1000', '^', '💥'.repeat(100), 'x'.repeat(300)])(
    'GIVEN the query %j THEN the bot answers with results or a clear message',
    async (query) => {
      const { record, original } = await command('search', { query });
      expect(record.acknowledged).toBe(true);
      expect(original?.content.length).toBeGreaterThan(0);
      expectNoViolations();
    },
  );

  it('GIVEN bad dates and forged options THEN the answer is a short ephemeral message', async () => {
    const badDate = await command('digest', { date: '2021-13-45' });
    expect(badDate.record.ephemeral).toBe(true);
    expect(badDate.original?.content).toMatch(/YYYY-MM-DD/);
    const badTopic = await command('search', { query: 'learning', topic: 'Knitting' });
    expect(badTopic.original?.content).toMatch(/no topic/);
    expectNoViolations();
  });

  it('GIVEN commands in a DM with the bot THEN they work there too', async () => {
    const { record, original } = await command('search', { query: 'self-driving' }, { dm: true });
    expect(record.responseType).toBe(4);
    expect(titles(original)[0]).toContain('Self-driving cars learn to see pedestrians');
    expectNoViolations();
  });
});

describe('autocomplete', () => {
  it.each([
    ['search', 'query', ''],
    ['search', 'query', 'm'],
    ['search', 'query', 'machine le'],
    ['search', 'topic', 'ma'],
    ['topic', 'name', 'l'],
    ['related', 'article', 'd'],
    ['related', 'article', 'x'.repeat(100)],
    ['digest', 'topic', ''],
  ])('GIVEN /%s %s:%j THEN ≤ 25 valid choices come back from memory', async (name, option, typed) => {
    const handle = h.emu.sendAutocomplete({
      name,
      options: { [option]: typed },
      focused: option,
      user: MEMBER,
      guildId: GUILD,
      channelId: GENERAL,
    });
    const record = await handle.settled();
    expect(record.responseType).toBe(8);
    const choices = record.autocompleteChoices ?? [];
    expect(choices.length).toBeLessThanOrEqual(25);
    for (const choice of choices) {
      expect(String(choice.name).length).toBeGreaterThanOrEqual(1);
      expect(String(choice.name).length).toBeLessThanOrEqual(100);
    }
    expectNoViolations();
  });

  it('GIVEN /subscribe topic: on a bot running without its database THEN topics are still suggested', async () => {
    const record = await h.emu
      .sendAutocomplete({
        name: 'subscribe',
        options: { topic: 'mach', time: '08:00', timezone: 'Europe/Berlin' },
        focused: 'topic',
        user: MEMBER,
        guildId: GUILD,
        channelId: GENERAL,
      })
      .settled();
    expect(record.autocompleteChoices?.map((choice) => choice.value)).toContain('Machine Learning');
    expectNoViolations();
  });

  it('GIVEN one word typed in /related THEN the most popular titles with a word starting so come back, each value an article id', async () => {
    const choices = await relatedChoices('learn');
    expect(choices.slice(0, 4).map((choice) => choice.name)).toEqual([
      'Self-driving cars learn to see pedestrians',
      'Machine learning roundup number 1',
      'Machine learning roundup number 2',
      'Machine learning roundup number 3',
    ]);
    expect(choices.every((choice) => h.library.get(String(choice.value)))).toBe(true);
    expectNoViolations();
  });

  it('GIVEN a slip in the one word typed in /related THEN it is read as the likeliest word, and the choice resolves', async () => {
    const choice = (await relatedChoices('pedestrains'))[0];
    expect(choice?.name).toBe('Self-driving cars learn to see pedestrians');
    expect(h.library.get(String(choice?.value))?.title).toBe('Self-driving cars learn to see pedestrians');
    expectNoViolations();
  });

  it('GIVEN a title typed in /related THEN the choice value is the article id, which the command resolves', async () => {
    const choice = (await relatedChoices('self-dri'))[0];
    expect(choice?.name).toBe('Self-driving cars learn to see pedestrians');
    const { original } = await command('related', { article: String(choice?.value) });
    expect(original?.content).toContain('Related to: Self-driving cars learn to see pedestrians');
  });
});

describe('stale and forged components', () => {
  it('GIVEN a page button whose list is gone (a restart) THEN the user is told it expired, ephemerally', async () => {
    const { original } = await command('search', { query: 'machine learning roundup' });
    const next = customIds(original).find((id) => id.startsWith('page:') && id.endsWith(':1'))!;
    h.bot.context.sessions = new ResultSessions(); // what a restart leaves behind
    const record = await h.emu
      .clickButton({ customId: next, messageId: original!.id, user: MEMBER })
      .settled();
    expect(record.ephemeral).toBe(true);
    expect(record.original?.content).toMatch(/expired/);
    expectNoViolations();
  });

  it('GIVEN a related choice for an article that left the library THEN a clear message, not an error', async () => {
    const { original } = await command('search', { query: 'tumors' });
    const id = original!.embeds[0]!.footer!.text.replace('id ', '');
    // The corpus changed.
    const before = h.bot.context.library.replace(
      Library.fromArticles(makeArticles(fixtureCorpus().slice(2))),
    );
    try {
      const record = await h.emu
        .selectMenu({ customId: 'relmenu', messageId: original!.id, user: MEMBER, values: [id] })
        .settled();
      expect(record.ephemeral).toBe(true);
      expect(record.original?.content).toMatch(/no longer in the library/);
    } finally {
      h.bot.context.library.replace(before);
    }
    expectNoViolations();
  });
});

describe('a command registered earlier but no longer in the registry', () => {
  it('GIVEN a stale command THEN a short ephemeral hint, not an error', async () => {
    const { record } = await command('retired-command');
    expect(record.ephemeral).toBe(true);
    expect(record.original?.content).toMatch(/not known here any more/);
    expectNoViolations();
  });

  it('GIVEN a button an older version posted, whose action this one does not know THEN a short private hint, and the message stays', async () => {
    // Posted by the bot itself, as a former version would have, with a custom id no action decodes.
    const posted = (await h.bot.client.rest.post(Routes.channelMessages(GENERAL), {
      body: {
        content: 'Old digest',
        components: [
          {
            type: 1,
            components: [{ type: 2, style: 2, label: 'Retired', custom_id: 'retired:action:1' }],
          },
        ],
        allowed_mentions: { parse: [] },
      },
    })) as { id: string };
    const record = await h.emu
      .clickButton({ customId: 'retired:action:1', messageId: posted.id, user: MEMBER })
      .settled();
    expect(record.ephemeral).toBe(true);
    expect(record.original?.content).toMatch(/no longer supported/);
    expect(h.emu.getMessage(posted.id)?.content).toBe('Old digest');
    expectNoViolations();
  });
});

describe('direct messages', () => {
  it('GIVEN a long result list in a DM THEN ▶ pages it there too', async () => {
    const [reply] = await h.emu
      .sendDirectMessage({ user: ADMIN, content: 'machine learning roundup' })
      .settled();
    const next = customIds(reply).find((id) => id.startsWith('page:') && id.endsWith(':1'))!;
    await h.emu.clickButton({ customId: next, messageId: reply!.id, user: ADMIN }).settled();
    expect(h.emu.getMessage(reply!.id)!.embeds[0]?.title).toMatch(/^6\. /);
    expectNoViolations();
  });

  it('GIVEN plain text in a DM THEN search results come back; words like topics and related work', async () => {
    const search = h.emu.sendDirectMessage({ user: MEMBER, content: 'self-driving cars' });
    const [reply] = await search.settled();
    expect(reply?.embeds[0]?.title).toContain('Self-driving cars learn to see pedestrians');
    expect(reply?.allowedMentions).toEqual({ parse: [] });
    const topics = await h.emu.sendDirectMessage({ user: MEMBER, content: 'topics' }).settled();
    expect(topics[0]?.embeds[0]?.title).toMatch(/^Topics/);
    const id = reply!.embeds[0]!.footer!.text.replace('id ', '');
    const related = await h.emu.sendDirectMessage({ user: MEMBER, content: `related ${id}` }).settled();
    expect(related[0]?.content).toContain('Related to: Self-driving cars');
    expectNoViolations();
  });

  it('GIVEN a message from a bot THEN the bot stays silent', async () => {
    const handle = h.emu.sendDirectMessage({
      user: { id: '1300000000000000009', username: 'otherbot', bot: true },
      content: 'hello',
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(handle.replies()).toEqual([]);
  });

  it('GIVEN one user flooding the bot THEN 6 lookups a minute are answered and one notice is sent', async () => {
    const flooder = { id: '1300000000000000010', username: 'flooder' };
    const handles: ReturnType<typeof h.emu.sendDirectMessage>[] = [];
    for (let i = 0; i < 10; i++)
      handles.push(h.emu.sendDirectMessage({ user: flooder, content: `machine ${i}` }));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const replies = h.emu.botMessages().filter((message) => message.channelId === handles[0]!.channelId);
    const notices = replies.filter((message) => message.content.includes('sending lookups quickly'));
    expect(notices).toHaveLength(1);
    expect(replies).toHaveLength(7);
    expectNoViolations();
  });
});

describe('resilience', () => {
  it('GIVEN the gateway drops THEN the bot resumes and answers the next command', async () => {
    const resumes = h.emu.stats.resumes;
    h.emu.dropConnection();
    await h.emu.waitForResumed({ since: resumes });
    const { original } = await command('search', { query: 'tumors' });
    expect(titles(original)[0]).toContain('interpretation of tumors');
    expect(h.emu.stats.identifies).toBe(1);
    expectNoViolations();
  });

  it('GIVEN a Discord outage THEN the bot survives and answers once Discord is back', async () => {
    h.emu.outage(true);
    const during = h.emu.sendCommand({ name: 'topics', user: MEMBER, guildId: GUILD, channelId: GENERAL });
    await during.response().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    h.emu.outage(false);
    h.emu.clearViolations();
    const { original } = await command('topics');
    expect(original?.embeds[0]?.title).toMatch(/^Topics/);
    expectNoViolations();
  });
});

describe('a handler that fails', () => {
  it('GIVEN /search ending in a stop word THEN the reply reads it as the start of a word, says so, and adds no notice', async () => {
    const robotics = await startHarness({
      library: Library.fromArticles(
        makeArticles([
          { title: 'Robotics startups raise money', heat: 50 },
          { title: 'Robotics engineering forum opens in Boston', heat: 1 },
          { title: 'Weather forum meets', heat: 100 },
        ]),
      ),
    });
    try {
      const { original } = await command('search', { query: 'robotics for' }, { harness: robotics });
      expect(titles(original)).toEqual([
        '1. Robotics engineering forum opens in Boston',
        '2. Robotics startups raise money',
      ]);
      const why = original?.embeds[0]?.fields?.find((field) => field.name === 'Why')?.value;
      expect(why).toContain('“for” read as “forum”');
      expect(original?.content).not.toMatch(/No article (matches|mentions)/);
      expect(original?.allowedMentions).toEqual({ parse: [] });
      expect(robotics.emu.takeViolations()).toEqual([]);
    } finally {
      await robotics.stop();
    }
  });

  it('GIVEN a command that throws THEN the user gets a short ephemeral error and the bot keeps serving', async () => {
    class BrokenLibrary extends Library {
      override search(): never {
        throw new Error('index exploded');
      }
      override suggest(): never {
        throw new Error('suggestions exploded');
      }
    }
    const broken = await startHarness({ library: new BrokenLibrary(makeArticles(fixtureCorpus())) });
    try {
      const { record } = await command('search', { query: 'x' }, { harness: broken });
      expect(record.ephemeral).toBe(true);
      expect(record.original?.content).toMatch(/Something went wrong on our side/);
      expect(record.original?.content).not.toContain('exploded');
      const { record: topics } = await command('topics', {}, { harness: broken });
      expect(topics.original?.embeds[0]?.title).toMatch(/^Topics/);
      expect(broken.emu.takeViolations()).toEqual([]);
    } finally {
      await broken.stop();
    }
  });
});

describe('slow handlers', () => {
  it('GIVEN a handler that takes longer than the defer threshold THEN it is deferred, then edited, once', async () => {
    const slowCommand: Command = {
      data: { name: 'slow-test', description: 'waits before answering' },
      async execute(_interaction, _context, respond) {
        await new Promise((resolve) => setTimeout(resolve, 400));
        await respond.send(renderNotice('done at last'));
      },
    };
    // The registry is passed in, so a test adds its own command without touching the real one.
    const slow = await startHarness({ bot: { deferAfterMs: 50, commands: [...commands, slowCommand] } });
    try {
      const record = await slow.emu
        .sendCommand({ name: 'slow-test', user: MEMBER, guildId: GUILD, channelId: GENERAL })
        .settled({ timeoutMs: 10_000 });
      expect(record.responseType).toBe(5);
      expect(record.callbacks).toHaveLength(1);
      expect(record.original?.content).toBe('done at last');
      expect(record.original?.loading).toBe(false);
      expect(slow.emu.takeViolations()).toEqual([]);
    } finally {
      await slow.stop();
    }
  });
});
