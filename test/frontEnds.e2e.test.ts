import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTerminal } from '../src/local/terminal.ts';
import type { StoredMessage } from './emulator/index.ts';
import { GENERAL, GUILD, MEMBER, startHarness, type Harness } from './support/bot.ts';

/**
 * One verb, three front ends: a slash command, a DM lookup and the terminal each parse their own syntax
 * into the same request and must show the same articles in the same order.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

/** Each result as `id` (a corpus article) or its title (a curated link outside the library). */
function idsOf(message: StoredMessage | null | undefined): string[] {
  return (message?.embeds ?? []).map((embed) => {
    const footer = embed.footer?.text ?? '';
    return footer.startsWith('id ') ? footer.slice(3) : (embed.title ?? '').replace(/^\d+\. /, '');
  });
}

async function slash(name: string, options: Record<string, string> = {}): Promise<string[]> {
  const record = await h.emu
    .sendCommand({ name, options, user: MEMBER, guildId: GUILD, channelId: GENERAL })
    .settled();
  return idsOf(record.original);
}

async function dm(text: string): Promise<string[]> {
  const handle = h.emu.sendDirectMessage({ user: MEMBER, content: text });
  await handle.settled();
  return idsOf(handle.replies()[0]);
}

async function terminal(argv: string[]): Promise<string[]> {
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const code = await runTerminal(h.library, { argv: [...argv, '--json'], input: new PassThrough(), output });
  expect(code).toBe(0);
  const answer = JSON.parse(text.trim()) as { results: Array<{ id: string | null; title: string }> };
  return answer.results.map((result) => result.id ?? result.title);
}

describe('the same verb through the three front ends', () => {
  it('GIVEN a search THEN /search, a DM and the terminal show the same articles in the same order', async () => {
    const viaSlash = await slash('search', { query: 'machine learning' });
    expect(viaSlash).toHaveLength(5);
    expect(await dm('machine learning')).toEqual(viaSlash);
    expect(await terminal(['search', 'machine learning'])).toEqual(viaSlash);
  });

  it('GIVEN a topic THEN the three agree', async () => {
    const viaSlash = await slash('topic', { name: 'Machine Learning' });
    expect(viaSlash.length).toBeGreaterThan(1);
    expect(await dm('topic Machine Learning')).toEqual(viaSlash);
    expect(await terminal(['topic', 'Machine Learning'])).toEqual(viaSlash);
  });

  it('GIVEN trending this month THEN the three agree', async () => {
    const viaSlash = await slash('trending', { period: 'month' });
    expect(viaSlash.length).toBeGreaterThan(1);
    expect(await dm('trending month')).toEqual(viaSlash);
    expect(await terminal(['trending', 'month'])).toEqual(viaSlash);
  });

  it('GIVEN related reading THEN the three agree', async () => {
    const [id] = await slash('search', { query: 'tumors' });
    const viaSlash = await slash('related', { article: id! });
    expect(viaSlash.length).toBeGreaterThan(1);
    expect(await dm(`related ${id}`)).toEqual(viaSlash);
    expect(await terminal(['related', id!])).toEqual(viaSlash);
  });

  it('GIVEN a digest preview for a day THEN /digest, a DM and the terminal agree', async () => {
    const viaSlash = await slash('digest', { date: '2021-10-05' });
    expect(viaSlash).toHaveLength(1);
    expect(await terminal(['digest', '--date', '2021-10-05'])).toEqual(viaSlash);
  });

  it('GIVEN an unknown topic THEN each front end words the notice in its own idiom', async () => {
    const record = await h.emu
      .sendCommand({
        name: 'topic',
        options: { name: 'knitting' },
        user: MEMBER,
        guildId: GUILD,
        channelId: GENERAL,
      })
      .settled();
    // Discord shows the slash command as code, never a backslash-escaped backtick.
    expect(record.original?.content).toContain('There is no topic “knitting”. `/topics` lists them all.');
    const handle = h.emu.sendDirectMessage({ user: MEMBER, content: 'topic knitting' });
    await handle.settled();
    expect(handle.replies()[0]?.content).toContain('`topics` lists them all.');
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    await runTerminal(h.library, { argv: ['topic', 'knitting'], input: new PassThrough(), output });
    expect(text).toContain('There is no topic “knitting”. `topics` lists them all.');
    expect(text).not.toContain('/topics');
  });
});
