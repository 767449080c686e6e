import { describe, expect, it } from 'vitest';
import { escapeText, fitMessage, renderResults, renderTopics } from '../src/discord/render.ts';
import { safeUrl, truncate } from '../src/discord/limits.ts';
import type { Recommendation } from '../src/search/types.ts';
import { makeArticles } from './support/articles.ts';

function embedTotal(
  embeds: Array<{
    title?: string;
    description?: string;
    footer?: { text: string };
    fields?: Array<{ name: string; value: string }>;
  }>,
) {
  return embeds.reduce(
    (sum, embed) =>
      sum +
      (embed.title?.length ?? 0) +
      (embed.description?.length ?? 0) +
      (embed.footer?.text.length ?? 0) +
      (embed.fields ?? []).reduce((s, field) => s + field.name.length + field.value.length, 0),
    0,
  );
}

const long = 'word '.repeat(3000);
const hostile = makeArticles(
  Array.from({ length: 12 }, (_, i) => ({
    title: `**Bold** [click](https://evil.example) @everyone ${i} ${long}`.slice(0, 900),
    excerpt: `# Heading\n- list [masked](https://evil.example) ${long}`.slice(0, 9000),
    topics: Array.from({ length: 40 }, (_, t) => `Topic ${t} ${'x'.repeat(60)}`),
    webUrl: `https://example.com/${i}/${'a'.repeat(600)}`,
    provider: 'P'.repeat(150),
  })),
);
const results: Recommendation[] = hostile.map((article) => ({
  kind: 'article',
  article,
  why: 'w '.repeat(800),
  score: 1,
}));

describe('renderer', () => {
  it('GIVEN oversized, hostile articles THEN every Discord limit holds', () => {
    const message = renderResults({
      title: 'T'.repeat(3000),
      notices: ['N'.repeat(3000)],
      results,
      page: 1,
      sessionId: 'abc123',
    });
    expect(message.content!.length).toBeLessThanOrEqual(2000);
    expect(message.embeds.length).toBeLessThanOrEqual(10);
    expect(embedTotal(message.embeds)).toBeLessThanOrEqual(6000);
    for (const embed of message.embeds) {
      expect(embed.title!.length).toBeLessThanOrEqual(256);
      expect((embed.description ?? '').length).toBeLessThanOrEqual(4096);
      expect((embed.fields ?? []).length).toBeLessThanOrEqual(25);
      for (const field of embed.fields ?? []) expect(field.value.length).toBeLessThanOrEqual(1024);
      expect(embed.url).toBeUndefined(); // over 512 characters: dropped, never cut
    }
    for (const row of message.components) {
      expect(row.components.length).toBeLessThanOrEqual(5);
      for (const component of row.components) {
        if ('custom_id' in component) expect(component.custom_id.length).toBeLessThanOrEqual(100);
        if ('label' in component && component.label) expect(component.label.length).toBeLessThanOrEqual(80);
      }
    }
    expect(message.allowedMentions).toEqual({ parse: [] });
  });

  it('GIVEN markdown and masked links in article text THEN they are escaped', () => {
    expect(escapeText('**Bold** [click](https://evil.example) # h')).toBe(
      String.raw`\*\*Bold\*\* \[click\](https://evil.example) # h`,
    );
    expect(escapeText('# Heading')).toBe(String.raw`\# Heading`);
    expect(escapeText('1. first')).toBe(String.raw`1\. first`);
    expect(escapeText('<@123> <t:1:D> ||spoiler|| `code`')).toBe(
      String.raw`\<@123\> \<t:1:D\> \|\|spoiler\|\| \`code\``,
    );
    expect(escapeText('see https://x.com/a_b and _it_')).toBe(String.raw`see https://x.com/a_b and \_it\_`);
  });

  it('GIVEN a huge adversarial text THEN escaping stays fast (input is cut before escaping)', () => {
    const started = performance.now();
    escapeText('a\\'.repeat(100_000));
    expect(performance.now() - started).toBeLessThan(2_000); // minutes without the cut
  });

  it('GIVEN a page beyond the end THEN the last page shows, with ◀ enabled and ▶ disabled', () => {
    const message = renderResults({ title: 'x', notices: [], results, page: 99, sessionId: 'abc' });
    const [previous, indicator, next] = message.components[0]!.components as Array<{
      disabled?: boolean;
      label?: string;
    }>;
    expect(indicator!.label).toBe('3 / 3');
    expect(previous!.disabled).toBe(false);
    expect(next!.disabled).toBe(true);
  });

  it('GIVEN text to cut THEN words and URLs are never split', () => {
    expect(truncate('alpha beta gamma', 12)).toBe('alpha beta…');
    expect(truncate('see https://example.com/a/very/long/path here', 30)).toBe('see…');
    expect(safeUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeUrl('https://example.com/x')).toBe('https://example.com/x');
  });

  it('GIVEN hundreds of topics THEN the topics embed stays within 4,096 characters and says how many are left', () => {
    const topics = Array.from({ length: 500 }, (_, i) => ({
      key: `t${i}`,
      name: `Topic number ${i}`,
      count: i,
    }));
    const embed = renderTopics(topics).embeds[0]!;
    expect(embed.description!.length).toBeLessThanOrEqual(4096);
    expect(embed.description).toMatch(/and \d+ more/);
  });

  it('GIVEN a message with too many embeds and rows THEN fitMessage trims it', () => {
    const message = fitMessage({
      embeds: Array.from({ length: 15 }, () => ({ title: 't', description: 'd'.repeat(1000) })),
      components: [],
      allowedMentions: { parse: [] },
    });
    expect(message.embeds.length).toBeLessThanOrEqual(10);
    expect(embedTotal(message.embeds)).toBeLessThanOrEqual(6000);
  });
});
