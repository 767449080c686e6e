import { describe, expect, it } from 'vitest';
import { Library } from '../src/search/library.ts';
import { makeArticles } from './support/articles.ts';

const NOW = Date.parse('2021-10-20T00:00:00Z');
const library = Library.fromArticles(
  makeArticles([
    {
      title: 'Learning C++ for game engines',
      excerpt: 'Why C++ and .NET still rule game development; see example.com for more.',
      topics: ['Programming'],
      date: '2021-10-01T10:00:00Z',
    },
    {
      title: 'Game engines move from C++ to .NET',
      excerpt: 'Studios port engines; details at example.com and www.example.org.',
      topics: ['Programming'],
      date: '2021-10-02T10:00:00Z',
    },
    {
      title: 'Machine learning for radiology',
      excerpt: 'Models read scans.',
      topics: ['Machine Learning'],
      date: '2021-10-03T10:00:00Z',
    },
  ]),
);

describe('why a result is there, in the words a reader uses', () => {
  it('GIVEN a query with C++ or .NET THEN the why names them so, never cplusplus or dotnet', () => {
    const [first] = library.search('C++ .NET', { now: NOW }).results;
    expect(first?.why).toMatch(/C\+\+/);
    expect(first?.why).toMatch(/\.NET/);
    expect(first?.why).not.toMatch(/cplusplus|dotnet/);
  });

  it('GIVEN a half-typed word THEN the why shows the word the article has, not its stem', () => {
    const [first] = library.search('radiolo*', { now: NOW }).results;
    expect(first?.why).toBe('title matches radiology');
  });

  it('GIVEN related reading THEN the why never lists parts of web addresses', () => {
    const related = library.related(
      library.search('Learning C++ for game engines').results[0]!.kind === 'article'
        ? (library.search('Learning C++ for game engines').results[0] as { article: { id: string } }).article
            .id
        : '',
    );
    const whys = related.results.map((result) => result.why).join(' | ');
    expect(whys).not.toMatch(/\b(com|www|org)\b/);
    expect(whys).not.toMatch(/cplusplus|dotnet/);
  });
});
