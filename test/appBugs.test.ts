import { describe, expect, it } from 'vitest';
import { search, topic, trending } from '../src/app/verbs.ts';
import { escapeText } from '../src/discord/render.ts';
import { Library } from '../src/search/library.ts';
import { makeArticles } from './support/articles.ts';

const NOW = Date.parse('2021-10-20T00:00:00Z');
const library = Library.fromArticles(
  makeArticles([
    {
      title: 'Deep learning improves interpretation of tumors',
      topics: ['Machine Learning'],
      heat: 79,
      date: '2021-10-19T13:40:00Z',
      provider: 'Medical Xpress',
      webUrl: 'https://medicalxpress.com/deep-tumors',
      related: [
        { title: 'A withheld draft on tumors', webUrl: 'https://example.com/draft' },
        { title: 'Outside reading', webUrl: 'https://elsewhere.example/reading' },
      ],
    },
    {
      title: 'Deep learning improves interpretation of tumors',
      topics: ['Machine Learning'],
      heat: 20,
      date: '2021-10-18T15:53:00Z',
      provider: 'National Institutes of Health',
      webUrl: 'https://nih.gov/deep-tumors',
    },
    {
      title: 'Machine learning reads X-rays',
      topics: ['Machine Learning'],
      heat: 50,
      date: '2021-10-17T10:00:00Z',
    },
    {
      title: 'A withheld draft on tumors',
      topics: ['Machine Learning'],
      heat: 999,
      published: false,
      webUrl: 'https://example.com/draft',
    },
  ]),
);

describe('bugs fixed with the application layer', () => {
  it('GIVEN a NaN or negative offset THEN topic() and trending() show the first page instead of throwing', () => {
    for (const offset of [Number.NaN, -3, -0.5]) {
      expect(library.topic('Machine Learning', { offset, now: NOW }).results.map((r) => r.score)).toEqual(
        library.topic('Machine Learning', { now: NOW }).results.map((r) => r.score),
      );
      expect(library.trending('week', { offset, now: NOW }).results).toHaveLength(2);
    }
  });

  it('GIVEN syndicated copies of one story THEN total counts the story once, as the pager shows it', () => {
    const page = topic(library, { name: 'Machine Learning', limit: 25 }, { now: NOW });
    expect(page.items).toHaveLength(2);
    expect(page.paging.total).toBe(2);
    expect(trending(library, { period: 'week' }, { now: NOW }).paging.total).toBe(2);
    expect(search(library, { query: 'tumors' }, { now: NOW }).paging.total).toBe(1);
  });

  it('GIVEN a curated link to an article marked published: false THEN it is never recommended', () => {
    const related = library.related('https://medicalxpress.com/deep-tumors', { limit: 25 });
    const titles = related.results.map((r) => (r.kind === 'article' ? r.article.title : r.link.title));
    expect(titles).not.toContain('A withheld draft on tumors');
    expect(titles).toContain('Outside reading');
  });

  it('GIVEN a search topic filter that is only a prefix THEN the notice names the topic used', () => {
    const page = library.search('tumors', { topic: 'mach', now: NOW });
    expect(page.results.length).toBeGreaterThan(0);
    expect(page.notices).toContainEqual({ kind: 'topic-guessed', typed: 'mach', name: 'Machine Learning' });
    expect(library.search('tumors', { topic: 'Machine Learning', now: NOW }).notices).toEqual([]);
  });

  it('GIVEN a title starting with Discord subtext "-# " THEN it is escaped', () => {
    expect(escapeText('-# tiny print')).toBe('\\-# tiny print');
  });
});
