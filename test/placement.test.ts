import { describe, expect, it } from 'vitest';
import { Library } from '../src/search/library.ts';
import { makeArticles } from './support/articles.ts';

const NOW = Date.parse('2022-06-01T00:00:00Z');
const titlesOf = (library: Library, query: string) =>
  library
    .search(query, { now: NOW })
    .results.map((result) => (result.kind === 'article' ? result.article.title : ''));

describe('ranking by where the words stand', () => {
  // Same words, same heat, same day: only their placement differs.
  const common = { heat: 10, date: '2022-05-30T10:00:00Z', topics: ['Cloud'] };
  const library = Library.fromArticles(
    makeArticles([
      {
        ...common,
        title: 'Outage report: storage for the cloud region east, then recovery',
        excerpt: 'A long night for operators across several teams.',
        webUrl: 'https://a.example/1',
      },
      {
        ...common,
        title: 'Cloud storage outage',
        excerpt: 'Operators restored service before morning.',
        webUrl: 'https://b.example/2',
      },
      {
        ...common,
        title: 'Storage in the cloud',
        excerpt: 'Why teams move files off their own servers.',
        webUrl: 'https://c.example/3',
      },
      {
        ...common,
        title: 'Quarterly results of a hosting firm',
        excerpt: 'Revenue grew. Later that year a cloud storage outage hit its biggest customers.',
        webUrl: 'https://d.example/4',
      },
      {
        ...common,
        title: 'Hosting firm hires',
        excerpt: 'Cloud teams grew, storage teams shrank, and an outage review was published in spring.',
        webUrl: 'https://e.example/5',
      },
    ]),
  );

  it('GIVEN a remembered title THEN the short title holding the words in the order typed comes first', () => {
    expect(titlesOf(library, 'cloud storage outage')[0]).toBe('Cloud storage outage');
    // Typed in the other order, the title that has them in that order wins.
    expect(titlesOf(library, 'storage cloud')[0]).toBe('Storage in the cloud');
  });

  it('GIVEN words remembered from an excerpt THEN the excerpt holding them close together beats one that scatters them', () => {
    const ranked = titlesOf(library, 'hosting revenue');
    expect(ranked[0]).toBe('Quarterly results of a hosting firm');
    const order = titlesOf(library, 'storage outage customers');
    expect(order[0]).toBe('Quarterly results of a hosting firm');
  });
});

describe('words spelled as typed', () => {
  const common = { heat: 10, date: '2022-05-30T10:00:00Z', topics: ['Games'] };
  const library = Library.fromArticles(
    makeArticles([
      {
        // More popular, and the words recur in its excerpt: by text alone it would come first.
        ...common,
        heat: 90,
        title: 'Revealed by Blizzard: new dungeons',
        excerpt:
          'Blizzard revealed dungeons, and more dungeons; Blizzard says the reveal is the first of many.',
        webUrl: 'https://a.example/revealed',
      },
      {
        ...common,
        title: 'Leak reveals Blizzard dungeons',
        excerpt: 'A new leak shows what is coming next season.',
        webUrl: 'https://b.example/reveals',
      },
    ]),
  );

  it('GIVEN two titles holding the words, one as typed and one sharing only their stems THEN the one as typed comes first', () => {
    expect(titlesOf(library, 'reveals blizzard')).toEqual([
      'Leak reveals Blizzard dungeons',
      'Revealed by Blizzard: new dungeons',
    ]);
    // Typed as the other title spells it, that one comes first.
    expect(titlesOf(library, 'revealed blizzard')[0]).toBe('Revealed by Blizzard: new dungeons');
  });
});

describe('topics a query is about', () => {
  const day = { heat: 10, date: '2022-05-30T10:00:00Z' };
  const library = Library.fromArticles(
    makeArticles([
      ...['Ohio', 'Texas', 'Maine'].map((state, i) => ({
        ...day,
        title: `${state} keeps schools shut`,
        excerpt: `School closures in ${state} last until autumn, the board says.`,
        topics: ['Education Impact', 'Coronavirus'],
        webUrl: `https://news.example/edu-${i}`,
      })),
      {
        // More popular than the others: without the topic it would come first.
        ...day,
        heat: 40,
        title: 'Vermont keeps schools shut',
        excerpt: 'School closures in Vermont last until autumn, the board says.',
        topics: ['Politics'],
        webUrl: 'https://news.example/untagged',
      },
      ...Array.from({ length: 12 }, (_, i) => ({
        ...day,
        title: `Case numbers update ${i}`,
        excerpt: 'Hospitals report new admissions this week.',
        topics: ['Coronavirus'],
        webUrl: `https://news.example/cases-${i}`,
      })),
    ]),
  );

  it('GIVEN a natural query that names no topic THEN the articles of the topic its best matches share come first', () => {
    const results = library.search('school closures').results;
    const topics = results.map((result) => (result.kind === 'article' ? result.article.topics[0] : ''));
    expect(topics.slice(0, 3)).toEqual(['Education Impact', 'Education Impact', 'Education Impact']);
    expect(topics[3]).toBe('Politics');
  });
});

describe('a broad topic beside a specific one', () => {
  const day = { date: '2022-05-30T10:00:00Z' };
  const library = Library.fromArticles(
    makeArticles([
      ...Array.from({ length: 4 }, (_, i) => ({
        ...day,
        heat: 10,
        title: `Banks fight fraud with models, part ${i}`,
        excerpt: 'Lenders train models on card payments to stop fraud.',
        topics: ['AI', 'AI in Finance'],
        webUrl: `https://news.example/finance-${i}`,
      })),
      ...Array.from({ length: 4 }, (_, i) => ({
        // More popular, and carrying the broad topic every match has, but not the specific one.
        ...day,
        heat: 40,
        title: `Banks fight fraud with models, take ${i}`,
        excerpt: 'Lenders train models on card payments to stop fraud.',
        topics: ['AI'],
        webUrl: `https://news.example/broad-${i}`,
      })),
      // A library where "AI" is on a third of the articles and "AI in Finance" on a few of 1,500.
      ...Array.from({ length: 1500 }, (_, i) => ({
        ...day,
        heat: 10,
        title: `Weather outlook for region ${i}`,
        excerpt: 'Rain moves east over the weekend.',
        topics: i % 3 ? ['Weather'] : ['AI', 'Weather'],
        webUrl: `https://news.example/weather-${i}`,
      })),
    ]),
  );

  it('GIVEN a query whose matches all carry a broad topic and some a specific one THEN the specific ones come first', () => {
    const results = library.search('banks fraud', { now: NOW }).results;
    const urls = results.map((result) => (result.kind === 'article' ? result.article.webUrl : ''));
    expect(urls.slice(0, 4).every((url) => url.includes('/finance-'))).toBe(true);
    expect(urls.slice(4, 8).every((url) => url.includes('/broad-'))).toBe(true);
  });
});

describe('a topic among matches that lack a word', () => {
  const day = { heat: 10, date: '2022-05-30T10:00:00Z' };
  const library = Library.fromArticles(
    makeArticles([
      ...Array.from({ length: 2 }, (_, i) => ({
        ...day,
        title: `Airlines and tourism slump, report ${i}`,
        excerpt: 'Flights are grounded and hotels stand empty.',
        topics: ['Travel Impact'],
        webUrl: `https://news.example/both-${i}`,
      })),
      ...Array.from({ length: 3 }, (_, i) => ({
        ...day,
        title: `Airlines cut routes as bookings fall across the region this spring, part ${i}`,
        excerpt: 'Carriers park planes until demand returns.',
        topics: ['Travel Impact'],
        webUrl: `https://news.example/travel-${i}`,
      })),
      ...Array.from({ length: 3 }, (_, i) => ({
        // Short titles the word makes much of: placed better, but not about travel.
        ...day,
        title: `Airlines app compares fares ${i}`,
        excerpt: 'A new app compares seat prices.',
        topics: ['Apps'],
        webUrl: `https://news.example/app-${i}`,
      })),
      ...Array.from({ length: 300 }, (_, i) => ({
        ...day,
        title: `Weather outlook for region ${i}`,
        excerpt: 'Rain moves east over the weekend.',
        topics: ['Weather'],
        webUrl: `https://news.example/weather-${i}`,
      })),
    ]),
  );

  it('GIVEN a query most matches hold one word of THEN among those the ones of the topic the best matches share come first', () => {
    const results = library.search('airlines tourism', { now: NOW }).results;
    const urls = results.map((result) => (result.kind === 'article' ? result.article.webUrl : ''));
    expect(urls.slice(0, 2).every((url) => url.includes('/both-'))).toBe(true);
    expect(urls.slice(2, 5).every((url) => url.includes('/travel-'))).toBe(true);
    expect(urls.slice(5, 8).every((url) => url.includes('/app-'))).toBe(true);
  });
});
