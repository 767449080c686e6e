import { describe, expect, it } from 'vitest';
import { Library } from '../src/search/library.ts';
import type { Recommendation } from '../src/search/types.ts';
import { makeArticles } from './support/articles.ts';
import { wordNotice } from '../src/app/noticeWording.ts';
import { TERMINAL_IDIOM } from '../src/local/terminalIdiom.ts';
import type { ResultPage } from '../src/search/types.ts';

/** The notices as the terminal words them. */
const say = (page: ResultPage) => page.notices.map((notice) => wordNotice(notice, TERMINAL_IDIOM)).join(' ');

const NOW = Date.parse('2021-10-20T00:00:00Z');
const library = Library.fromArticles(
  makeArticles([
    {
      title: 'Deep learning improves interpretation of tumors',
      excerpt: 'Engineers use deep learning to read PET scans of tumors.',
      topics: ['Machine Learning', 'AI'],
      heat: 79,
      date: '2021-10-19T13:40:00Z',
      provider: 'Medical Xpress',
      webUrl: 'https://medicalxpress.com/news/2021-10-deep-tumors.html',
      related: [
        {
          title: 'Overcoming challenges to machine learning in the lab',
          webUrl: 'https://labmanager.com/ml',
        },
        {
          title: 'Overcoming challenges to machine learning in the lab',
          webUrl: 'https://www.labmanager.com/ml/',
        },
        {
          title: 'Deep learning improves interpretation of tumors',
          webUrl: 'https://medicalxpress.com/news/2021-10-deep-tumors.html',
        },
        {
          title: 'Self-driving cars learn to see pedestrians',
          webUrl: 'https://example.com/news/self-driving-cars-learn-to-see-pedestrians',
        },
      ],
    },
    {
      title: 'Deep learning improves interpretation of tumors',
      excerpt: 'NIH engineers differentiate tumor tissue with deep learning.',
      topics: ['Machine Learning'],
      heat: 20,
      date: '2021-10-18T15:53:00Z',
      provider: 'National Institutes of Health',
      webUrl: 'https://nih.gov/deep-learning-tumors',
    },
    {
      title: 'Self-driving cars learn to see pedestrians',
      excerpt: 'Autonomous vehicles and computer vision.',
      webUrl: 'https://example.com/news/self-driving-cars-learn-to-see-pedestrians',
      topics: ['AI in Autos', 'Computer Vision'],
      heat: 300,
      date: '2021-10-17T10:00:00Z',
    },
    {
      title: 'Learning C++ for game engines',
      excerpt: 'Why C++ still rules game development.',
      topics: ['Programming'],
      heat: 5,
      date: '2021-09-01T10:00:00Z',
    },
    {
      title: 'The Who announce a tour',
      excerpt: 'Rock band news.',
      topics: ['Music'],
      heat: 1,
      date: '2021-10-10T00:00:00Z',
    },
    {
      title: 'Secret draft about deep learning tumors',
      excerpt: 'Unpublished.',
      topics: ['Machine Learning'],
      heat: 9999,
      published: false,
      date: '2021-10-19T00:00:00Z',
    },
    {
      title: 'Machine learning in hospitals',
      excerpt: 'Deep networks help radiologists find tumors early.',
      topics: ['machine learning', 'AI in Healthcare'],
      heat: 50,
      date: '2021-10-15T00:00:00Z',
      quality: 80,
    },
  ]),
);

const titles = (results: Recommendation[]) =>
  results.map((result) => (result.kind === 'article' ? result.article.title : `link: ${result.link.title}`));

describe('search', () => {
  it('GIVEN a query THEN results matching all words come first, one per story, never unpublished', () => {
    const page = library.search('deep learning tumors', { now: NOW });
    expect(titles(page.results).slice(0, 2)).toEqual([
      'Deep learning improves interpretation of tumors',
      'Machine learning in hospitals',
    ]);
    expect(titles(page.results)).not.toContain('Secret draft about deep learning tumors');
    // Two outlets ran the story: it is listed once.
    expect(titles(page.results).filter((title) => title.includes('interpretation of tumors'))).toHaveLength(
      1,
    );
    expect(page.results[0]?.why).toBe('title matches deep, learning, tumors');
  });

  it.each([
    'C++',
    'title:',
    '-',
    '+',
    '*',
    '~',
    'foo~1000',
    '^',
    '🚗🚗',
    'x'.repeat(5000),
    '',
    '   ',
    ':',
    'a:b:c',
    '--help',
    '-covid',
  ])('GIVEN the malformed query %j THEN it answers without throwing', (query) => {
    const page = library.search(query, { now: NOW });
    expect(Array.isArray(page.results)).toBe(true);
    if (!page.results.length) expect(page.notices.length).toBeGreaterThan(0);
  });

  it('GIVEN C++ THEN the article about C++ is found', () => {
    expect(titles(library.search('C++').results)).toEqual(['Learning C++ for game engines']);
  });

  it('GIVEN a query of stop words THEN titles still match ("The Who")', () => {
    expect(titles(library.search('the who').results)[0]).toBe('The Who announce a tour');
  });

  it('GIVEN a typo in a long word THEN the intended word matches and the why says so', () => {
    const page = library.search('pedestrans');
    expect(titles(page.results)).toEqual(['Self-driving cars learn to see pedestrians']);
    expect(page.results[0]?.why).toMatch(/read as/);
  });

  it('GIVEN a half-typed last word in search-as-you-type THEN completions match', () => {
    expect(titles(library.searchAsYouType('self-driving pedes').results)).toEqual([
      'Self-driving cars learn to see pedestrians',
    ]);
  });

  it('GIVEN a submitted search whose last word is unfinished THEN it is completed, and the why says so', () => {
    const page = library.search('self-driving pedes');
    expect(titles(page.results)).toEqual(['Self-driving cars learn to see pedestrians']);
    expect(page.results[0]!.why).toMatch(/“pedes” read as “pedestrians”/);
  });

  it('GIVEN a guessed word the corpus spells several ways THEN the why names it as the article spells it', () => {
    const spelled = Library.fromArticles(
      makeArticles([
        { title: 'Teachers learned new tricks', excerpt: 'Schools learned a lot this year.' },
        { title: 'New Machine-Learning tools for doctors', excerpt: 'Hospitals try them out.' },
      ]),
    );
    const page = spelled.search('doctors learinng');
    expect(titles(page.results)[0]).toBe('New Machine-Learning tools for doctors');
    expect(page.results[0]!.why).toMatch(/“learinng” read as “Learning”/);
  });

  it('GIVEN a search ending in a stop word THEN it is read as the start of a word, and what only that matches stays out', () => {
    const robotics = Library.fromArticles(
      makeArticles([
        { title: 'Robotics startups raise money', heat: 50 },
        { title: 'Robotics in farming', heat: 40 },
        { title: 'Robotics engineering forum opens in Boston', heat: 1 },
        { title: 'Weather forum meets', heat: 100 },
      ]),
    );
    const page = robotics.search('robotics for');
    const found = titles(page.results);
    expect(found[0]).toBe('Robotics engineering forum opens in Boston');
    expect(found.slice(1).sort()).toEqual(['Robotics in farming', 'Robotics startups raise money']);
    expect(page.results[0]!.why).toMatch(/“for” read as “forum”/);
    expect(page.notices).toEqual([]);
    // Nothing starts with "the": the other words answer alone, with nothing said about "the".
    const plain = robotics.search('robotics the');
    expect(titles(plain.results)).toHaveLength(3);
    expect(plain.notices).toEqual([]);
  });

  it('GIVEN a search ending in a long stop word THEN it is never read as a slip of another word', () => {
    const cases = Library.fromArticles(
      makeArticles([{ title: 'Cases alter the count' }, { title: 'Cases afterwards fall' }]),
    );
    const whys = cases.search('cases after').results.map((result) => result.why);
    expect(whys.join(' ')).not.toMatch(/read as “alter”/);
    expect(whys[0]).toMatch(/“after” read as “afterwards”/);
  });

  it('GIVEN a half-typed word that runs past its stem THEN the word as written is completed', () => {
    // "pedestri" is not a prefix of the stem "pedestrian", "learnin" not of "learn".
    expect(titles(library.search('pedestri').results)).toEqual([
      'Self-driving cars learn to see pedestrians',
    ]);
    expect(titles(library.search('machine learnin').results)[0]).toBe('Machine learning in hospitals');
  });

  it('GIVEN a typo in the part of a word the stemmer strips THEN it is corrected', () => {
    expect(titles(library.search('pedestrinas').results)).toEqual([
      'Self-driving cars learn to see pedestrians',
    ]);
  });

  it('GIVEN a topic filter THEN only that topic is searched; an unknown topic is explained', () => {
    expect(titles(library.search('learning', { topic: 'ai in healthcare' }).results)).toEqual([
      'Machine learning in hospitals',
    ]);
    expect(say(library.search('learning', { topic: 'Knitting' }))).toMatch(/no topic/);
  });

  it('GIVEN a period THEN older articles are left out', () => {
    expect(titles(library.search('learning', { period: 'day', now: NOW }).results)).toEqual([
      'Deep learning improves interpretation of tumors',
    ]);
  });

  it('GIVEN limit and offset THEN pages do not overlap and the limit is capped at 25', () => {
    const first = library.search('learning', { limit: 1, now: NOW });
    const second = library.search('learning', { limit: 1, offset: 1, now: NOW });
    expect(first.results).toHaveLength(1);
    expect(titles(second.results)).not.toEqual(titles(first.results));
    expect(library.search('learning', { limit: 1000 }).results.length).toBeLessThanOrEqual(25);
  });

  it('GIVEN a story syndicated ninety times THEN it shows once and the other matches fill the page', () => {
    const copies = Array.from({ length: 90 }, (_, i) => ({
      title: 'Harbour storm floods the old town',
      excerpt: 'A harbour storm flooded the old town overnight.',
      webUrl: `https://outlet${i}.example/harbour-storm`,
      heat: 50,
    }));
    const others = ['Ferry timetable after the storm', 'Harbour museum reopens', 'Storm damage costs'].map(
      (title) => ({ title, excerpt: 'Town news.', heat: 1 }),
    );
    const syndicated = Library.fromArticles(makeArticles([...copies, ...others]));
    const page = syndicated.search('harbour storm', { limit: 5, now: NOW });
    expect(titles(page.results)[0]).toBe('Harbour storm floods the old town');
    expect(titles(page.results).slice(1).sort()).toEqual(others.map((o) => o.title).sort());
    expect(page.total).toBe(4);
  });

  it('GIVEN thirty equally good matches THEN paging through them shows each exactly once, in the same order as one long page', () => {
    const names = 'abcdefghijklmnopqrstuvwxyz0123'.split('').map((c) => `harbour storm report ${c}${c}${c}x`);
    const equals = Library.fromArticles(
      makeArticles(
        names.map((title) => ({ title, excerpt: 'Waves hit the harbour wall overnight.', heat: 10 })),
      ),
    );
    const paged = [0, 5, 10, 15, 20, 25].flatMap((offset) =>
      titles(equals.search('harbour storm', { limit: 5, offset, now: NOW }).results),
    );
    expect(new Set(paged).size).toBe(30);
    expect(paged.slice(0, 25)).toEqual(
      titles(equals.search('harbour storm', { limit: 25, now: NOW }).results),
    );
  });
});

describe('topics, trending and the digest', () => {
  it('GIVEN topics in two spellings THEN they count as one, live articles only', () => {
    const ml = library.topics().find((topic) => topic.key === 'machine learning');
    expect(ml).toEqual({ key: 'machine learning', name: 'Machine Learning', count: 3 });
  });

  it('GIVEN a topic THEN its articles come best first, one per story', () => {
    expect(titles(library.topic('MACHINE learning', { now: NOW }).results)).toEqual([
      'Deep learning improves interpretation of tumors',
      'Machine learning in hospitals',
    ]);
    expect(say(library.topic('zzz'))).toMatch(/no topic/);
  });

  it('GIVEN trending for a week THEN the hottest of that week leads', () => {
    expect(titles(library.trending('week', { now: NOW }).results)[0]).toBe(
      'Self-driving cars learn to see pedestrians',
    );
  });

  it('GIVEN a window, topics, a minimum quality and exclusions THEN the digest honours each', () => {
    const since = Date.parse('2021-10-14T00:00:00Z');
    const all = library.selectDigest({ since, until: NOW, limit: 10 });
    expect(all.map((a) => a.title)).toEqual([
      'Self-driving cars learn to see pedestrians',
      'Deep learning improves interpretation of tumors',
      'Machine learning in hospitals',
    ]);
    expect(library.selectDigest({ since, until: NOW, limit: 10, topics: ['AI in autos'] })).toHaveLength(1);
    expect(
      library.selectDigest({ since, until: NOW, limit: 10, minQuality: 60 }).map((a) => a.title),
    ).toEqual(['Machine learning in hospitals']);
    const first = all[0]!;
    expect(
      library.selectDigest({ since, until: NOW, limit: 10, excludeIds: new Set([first.id]) }),
    ).toHaveLength(2);
    const story = library.storyOf(all[1]!);
    expect(
      library.selectDigest({ since, until: NOW, limit: 10, excludeStories: new Set([story]) }),
    ).toHaveLength(2);
  });
});

describe('related reading', () => {
  it('GIVEN curated links THEN they come first, deduplicated, never the article itself; its story only as another outlet ran it', () => {
    const page = library.related('https://www.medicalxpress.com/news/2021-10-deep-tumors.html', { limit: 5 });
    expect(page.article?.provider.name).toBe('Medical Xpress');
    const list = titles(page.results);
    expect(list[0]).toBe('link: Overcoming challenges to machine learning in the lab');
    expect(list[1]).toBe('Self-driving cars learn to see pedestrians'); // a curated link that is in the corpus
    const ownStory = page.results.filter(
      (result) => result.kind === 'article' && result.article.title.includes('interpretation of tumors'),
    );
    expect(ownStory.map((result) => result.kind === 'article' && result.article.provider.name)).toEqual([
      'National Institutes of Health',
    ]);
    expect(ownStory[0]?.why).toBe('the same story, as National Institutes of Health tells it');
    expect(list).toContain('Machine learning in hospitals');
    expect(new Set(list).size).toBe(list.length);
  });

  it('GIVEN curated links hidden THEN similar corpus articles explain themselves', () => {
    const page = library.related('Deep learning improves interpretation of tumors', { curated: false });
    const similar = page.results.filter((result) => !result.why.startsWith('the same story'));
    expect(titles(similar)[0]).toBe('Machine learning in hospitals');
    expect(similar[0]?.why).toMatch(/shares Machine Learning/);
  });

  it('GIVEN the same story at another address of the same outlet THEN related reading shows it once, saying so', () => {
    const editions = ['en-gb', 'en-us', 'fr-fr'].map((edition) => ({
      title: 'Diablo 4 quest designer explains one simple choice',
      excerpt: 'The quest designer explains how one simple choice puts the role playing into the game.',
      provider: 'MSN',
      webUrl: `https://www.msn.com/${edition}/gaming/diablo-4-quest-designer`,
      topics: ['Diablo 4'],
    }));
    const other = {
      title: 'Diablo 4 dungeons reviewed',
      excerpt: 'A review of the dungeons in the game, and the choices the quest designer made.',
      provider: 'IGN',
      topics: ['Diablo 4'],
    };
    const outlet = Library.fromArticles(makeArticles([...editions, other]));
    const page = outlet.related(editions[0]!.webUrl, { curated: false });
    const sameStory = page.results.filter((result) => result.why.startsWith('the same story'));
    expect(sameStory).toHaveLength(1);
    expect(sameStory[0]?.why).toBe('the same story, at another MSN address');
    expect(titles(page.results)).toContain('Diablo 4 dungeons reviewed');
  });

  it('GIVEN an unknown reference THEN the notice says how to name an article', () => {
    expect(say(library.related('nope'))).toMatch(/id from a search result/);
  });
});

describe('suggest', () => {
  it('GIVEN any prefix THEN at most 25 choices with names and values of 1–100 characters', () => {
    for (const prefix of ['', 'd', 'de', 'dee', 'deep le', 'x'.repeat(300), '🚗', 'C++']) {
      for (const kind of ['query', 'topic', 'article'] as const) {
        const choices = library.suggest(prefix, { kind });
        expect(choices.length).toBeLessThanOrEqual(25);
        for (const choice of choices) {
          expect(choice.name.length).toBeGreaterThanOrEqual(1);
          expect(choice.name.length).toBeLessThanOrEqual(100);
          expect(choice.value.length).toBeGreaterThanOrEqual(1);
          expect(choice.value.length).toBeLessThanOrEqual(100);
        }
      }
    }
  });

  it('GIVEN one letter THEN titles with a word starting so are suggested, most popular first', () => {
    const choices = library.suggest('s', { kind: 'article' });
    expect(choices[0]?.name).toBe('Self-driving cars learn to see pedestrians');
    expect(choices.every((choice) => library.get(choice.value))).toBe(true);
  });

  it('GIVEN one word of three letters or more THEN live titles with a word starting so (the word as typed first, then by heat), then articles mentioning one', () => {
    const orchard = Library.fromArticles(
      makeArticles([
        { title: 'Apple opens a store in Mumbai', heat: 10 },
        { title: 'Applesauce recipes for autumn', heat: 500 },
        { title: 'Apples and pears at the market', heat: 40 },
        // A syndicated copy: the same story, shown once.
        { title: 'Apples and pears at the market', heat: 35, webUrl: 'https://copy.example/apples' },
        { title: 'Orchards report a record harvest', excerpt: 'Apple growers are pleased.', heat: 900 },
        { title: 'Apple secret project', heat: 999, published: false },
      ]),
    );
    const names = (typed: string) => orchard.suggest(typed, { kind: 'article' }).map((choice) => choice.name);
    expect(names('appl')).toEqual([
      'Applesauce recipes for autumn',
      'Apples and pears at the market',
      'Apple opens a store in Mumbai',
      'Orchards report a record harvest',
    ]);
    // "apple" as typed (and "apples", the same word to the index) before the longer "applesauce".
    expect(names('Apple')).toEqual([
      'Apples and pears at the market',
      'Apple opens a store in Mumbai',
      'Applesauce recipes for autumn',
      'Orchards report a record harvest',
    ]);
    // Three letters and fewer come from the table built at start, nothing typed from the popular list:
    // each story once there too.
    expect(names('app')).toEqual([
      'Applesauce recipes for autumn',
      'Apples and pears at the market',
      'Apple opens a store in Mumbai',
    ]);
    expect(names('')).toEqual([
      'Orchards report a record harvest',
      'Applesauce recipes for autumn',
      'Apples and pears at the market',
      'Apple opens a store in Mumbai',
    ]);
    expect(names('grow')).toEqual(['Orchards report a record harvest']);
    // No title word starts so: read as the likeliest word one slip away.
    expect(names('harevst')).toEqual(['Orchards report a record harvest']);
    expect(orchard.suggest('appl', { kind: 'query' }).map((choice) => choice.name)).toEqual([
      'appl',
      'Applesauce recipes for autumn',
      'Apples and pears at the market',
      'Apple opens a store in Mumbai',
      'Orchards report a record harvest',
    ]);
  });

  it('GIVEN a word in many titles THEN autocomplete shows the most popular stories, each once, however many copies of one story are the hottest', () => {
    const farms = Array.from({ length: 60 }, (_, k) => ({
      title: `Harvest report from farm ${k}`,
      heat: 100 + k,
    }));
    // Thirty outlets' copies of one story, hotter than any other: the first pages of the list.
    const copies = Array.from({ length: 30 }, (_, k) => ({
      title: 'Harvest festival draws crowds',
      heat: 1000 + k,
      webUrl: `https://outlet${k}.example/harvest-festival`,
    }));
    const harvest = Library.fromArticles(
      makeArticles([...farms, ...copies, { title: 'Harvest secret memo', heat: 5000, published: false }]),
    );
    const names = harvest.suggest('harvest', { kind: 'article' }).map((choice) => choice.name);
    expect(names).toEqual([
      'Harvest festival draws crowds',
      ...Array.from({ length: 24 }, (_, k) => `Harvest report from farm ${59 - k}`),
    ]);
  });

  it('GIVEN a start that dozens of words share THEN autocomplete offers the most popular titles across all of them, however late the word', () => {
    // Forty words starting "quor", three titles each; the hottest titles hold the last words.
    const suffixes = Array.from({ length: 40 }, (_, w) =>
      String.fromCharCode(97 + (w % 26), 97 + Math.floor(w / 26)),
    );
    const titles = suffixes.flatMap((suffix, w) =>
      [0, 1, 2].map((k) => ({ title: `Quor${suffix} report number ${w * 3 + k}`, heat: 10 + w * 7 + k })),
    );
    const quorum = Library.fromArticles(makeArticles(titles));
    const expected = [...titles]
      .sort((a, b) => b.heat - a.heat)
      .slice(0, 25)
      .map((t) => t.title);
    expect(quorum.suggest('quor', { kind: 'article' }).map((choice) => choice.name)).toEqual(expected);
  });

  it('GIVEN several words, the last unfinished THEN autocomplete offers titles holding them all, in the order typed first, and a slip goes to the search', () => {
    const market = Library.fromArticles(
      makeArticles([
        { title: 'Stock market crash wipes out gains', heat: 50 },
        // Both words, the other way round, and more popular.
        { title: 'Crash course: how the stock market works', heat: 400 },
        { title: 'Market stalls reopen after the storm', heat: 900 },
        { title: 'Crash barriers on the motorway', heat: 800 },
        { title: 'Why the market may crash again', excerpt: 'Traders fear a crash.', heat: 30 },
        { title: 'Farmers bring crops to the weekly fair', excerpt: 'The market crashed.', heat: 5 },
        { title: 'Market crash secret memo', heat: 999, published: false },
      ]),
    );
    const names = (typed: string) => market.suggest(typed, { kind: 'article' }).map((choice) => choice.name);
    expect(names('market cra')).toEqual([
      // As long, both in order: the more popular first.
      'Stock market crash wipes out gains',
      'Why the market may crash again',
      'Crash course: how the stock market works',
      // Titles holding both first; an excerpt holding both after them.
      'Farmers bring crops to the weekly fair',
    ]);
    // A slip in a complete word: the search, which reads it, answers.
    expect(names('makret cra')).toContain('Stock market crash wipes out gains');
  });

  it('GIVEN a title with odd spacing or over 100 characters THEN its choice is tidied and cut at a word, and choosing it searches the title without the mark', () => {
    const long = `Lighthouse keepers ${'remember the long winter nights '.repeat(4)}on the coast`;
    const coast = Library.fromArticles(
      makeArticles([
        { title: 'Lighthouse\tkeepers  meet\u00a0again', heat: 50 },
        { title: long, heat: 40 },
      ]),
    );
    for (let ask = 0; ask < 2; ask++) {
      // Twice: the second answer comes from the choices kept, and must be the same.
      const choices = coast.suggest('lighthouse', { kind: 'query' });
      expect(choices.map((choice) => choice.name)).toEqual([
        'lighthouse',
        'Lighthouse keepers meet again',
        'Lighthouse keepers remember the long winter nights remember the long winter nights remember the…',
      ]);
      const cut = choices[2]!;
      expect(cut.name.length).toBeLessThanOrEqual(100);
      expect(cut.value).toBe(cut.name.slice(0, -1));
      expect(long.startsWith(cut.value)).toBe(true);
    }
  });

  it('GIVEN a topic prefix THEN topics whose words start so are suggested', () => {
    expect(library.suggest('lear', { kind: 'topic' }).map((choice) => choice.value)).toEqual([
      'Machine Learning',
    ]);
  });
});

describe('query syntax people type anyway', () => {
  it('GIVEN -word THEN articles with that word are left out; only -words asks for a word', () => {
    const all = titles(library.search('learning', { limit: 25, now: NOW }).results);
    const without = titles(library.search('learning -tumors', { limit: 25, now: NOW }).results);
    expect(all.some((title) => title.includes('tumors'))).toBe(true);
    expect(without.some((title) => title.includes('tumors'))).toBe(false);
    expect(without.length).toBeGreaterThan(0);
    expect(say(library.search('-tumors'))).toMatch(/Add a word/);
  });

  it('GIVEN word* THEN the word is completed', () => {
    expect(titles(library.search('pedes*').results)).toEqual(['Self-driving cars learn to see pedestrians']);
  });

  it('GIVEN a query naming a topic THEN articles tagged with it count as full matches', () => {
    const page = library.search('computer vision', { now: NOW });
    expect(titles(page.results)[0]).toBe('Self-driving cars learn to see pedestrians');
    expect(page.results[0]?.why).toMatch(/in Computer Vision/);
  });

  it('GIVEN matches outside the period THEN the notice says so instead of "no match"', () => {
    const page = library.search('C++', { period: 'day', now: NOW });
    expect(page.results).toEqual([]);
    expect(say(page)).toMatch(/1 article matches .* but none from the last day/);
  });

  it('GIVEN odd paging values THEN they are treated as the first page', () => {
    expect(library.search('learning', { offset: Number.NaN }).results.length).toBeGreaterThan(0);
    expect(library.search('learning', { limit: Number.NaN }).results).toEqual(
      library.search('learning').results,
    );
    expect(say(library.topic(''))).toMatch(/Name a topic/);
  });
});
