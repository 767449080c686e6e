import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import {
  bestExpectedRR,
  drawJudgedSets,
  isStopWord,
  readJudgeCorpus,
  stripRelated,
  writeStrippedCopy,
  type JudgeArticle,
} from '../bench/judgedSets.ts';
import { Rng } from '../bench/random.ts';
import { articleFile, writeCorpus, type FixtureArticle } from './support/articles.ts';

const COMMON = (
  'robots vaccine cloud markets driving learning hospital airline students chips privacy storage ' +
  'network doctors schools travel energy climate police startup funding software'
).split(' ');

/** A unique made-up word per article (letters only), the rarest word of its title. */
function rareWord(i: number): string {
  return `zor${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`;
}

function fixtures(): FixtureArticle[] {
  const rng = new Rng('fixture');
  const out: FixtureArticle[] = [];
  for (let i = 0; i < 60; i++) {
    const title = [...rng.sample(COMMON, 4), rareWord(i), 'the', '2021'].join(' ');
    const excerpt = Array.from({ length: 24 }, () => rng.pick(COMMON)).join(' ');
    out.push({
      title,
      excerpt,
      webUrl: `https://www.example.com/a/${i}/`,
      published: i % 10 !== 9,
      date: `2021-03-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`,
      topics: [i % 2 ? 'AI' : 'Coronavirus'],
      related:
        i % 5 === 0
          ? [
              { title: 'linked', webUrl: `https://example.com/a/${i + 1}` }, // same article, other URL form
              { title: 'outside', webUrl: 'https://elsewhere.example.org/story' },
              { title: 'unpublished', webUrl: 'https://example.com/a/9' },
            ]
          : undefined,
    });
  }
  // Two articles with one title: neither may be a known-item target.
  out.push({
    title: 'Robots and vaccine markets',
    excerpt: COMMON.join(' '),
    webUrl: 'https://example.com/dup/1',
  });
  out.push({
    title: 'Robots and vaccine markets',
    excerpt: COMMON.join(' '),
    webUrl: 'https://example.com/dup/2',
  });
  return out;
}

function corpus(): { dir: string; articles: JudgeArticle[] } {
  const files = Object.fromEntries(
    fixtures().map((f, i) => [`${String(i).padStart(3, '0')}.md`, articleFile(f)]),
  );
  const dir = writeCorpus(files);
  return { dir, articles: readJudgeCorpus(dir) };
}

const tokens = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

describe('the judge’s known-item sets', () => {
  const { articles } = corpus();
  const sets = drawJudgedSets(articles, { seed: 5, perSet: 20, relatedCap: 100 });
  const byUrl = new Map(articles.map((a) => [a.url, a]));
  const df = (w: string) => articles.filter((a) => tokens(`${a.title} ${a.excerpt}`).includes(w)).length;

  it('GIVEN a corpus THEN each set has the requested size and targets live articles with a unique title and a 20+ word excerpt', () => {
    for (const set of Object.values(sets.known)) {
      expect(set).toHaveLength(20);
      for (const q of set) {
        const target = byUrl.get(q.targetUrl)!;
        expect(target.live).toBe(true);
        expect(target.title).not.toBe('Robots and vaccine markets');
        expect(target.excerpt.split(/\s+/).length).toBeGreaterThanOrEqual(20);
      }
    }
  });

  it('GIVEN title queries THEN they are 2 ordinary title words in title order, never the rarest, a stop word or a number', () => {
    for (const q of sets.known.title) {
      const words = q.query.split(' ');
      const title = tokens(q.targetTitle);
      expect(words).toHaveLength(2);
      expect(title.indexOf(words[0]!)).toBeLessThan(title.indexOf(words[1]!));
      for (const w of words) {
        expect(w).toMatch(/^[a-z]{3,}$/);
        expect(isStopWord(w)).toBe(false);
        expect(w.startsWith('zor')).toBe(false);
        expect(df(w)).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it('GIVEN excerpt queries THEN they are 3 excerpt words, none of them in the title', () => {
    for (const q of sets.known.excerpt) {
      const words = q.query.split(' ');
      const excerpt = tokens(byUrl.get(q.targetUrl)!.excerpt);
      expect(words).toHaveLength(3);
      for (const w of words) {
        expect(excerpt).toContain(w);
        expect(tokens(q.targetTitle)).not.toContain(w);
      }
    }
  });

  it('GIVEN typo queries THEN exactly one word of 5+ letters has two adjacent letters swapped', () => {
    for (const q of sets.known.typo) {
      const typed = q.query.split(' ');
      const meant = q.intended.split(' ');
      const changed = typed.flatMap((w, i) => (w === meant[i] ? [] : [i]));
      expect(changed).toHaveLength(1);
      const a = [...typed[changed[0]!]!];
      const b = [...meant[changed[0]!]!];
      expect(b.length).toBeGreaterThanOrEqual(5);
      const diff = a.flatMap((c, i) => (c === b[i] ? [] : [i]));
      expect(diff).toHaveLength(2);
      expect(diff[1]! - diff[0]!).toBe(1);
      expect([a[diff[0]!], a[diff[1]!]]).toEqual([b[diff[1]!], b[diff[0]!]]);
    }
  });

  it('GIVEN half-typed queries THEN the last word is cut to 3 … n−2 letters and the first is whole', () => {
    for (const q of sets.known.half) {
      const [first, cut] = q.query.split(' ');
      const [meantFirst, whole] = q.intended.split(' ');
      expect(first).toBe(meantFirst);
      expect(whole!.startsWith(cut!)).toBe(true);
      expect(cut!.length).toBeGreaterThanOrEqual(3);
      expect(cut!.length).toBeLessThanOrEqual(whole!.length - 2);
    }
  });

  it('GIVEN the same seed THEN the same sets; another seed THEN other queries', () => {
    const again = drawJudgedSets(articles, { seed: 5, perSet: 20, relatedCap: 100 });
    const other = drawJudgedSets(articles, { seed: 6, perSet: 20, relatedCap: 100 });
    expect(again.known).toEqual(sets.known);
    expect(other.known.title.map((q) => q.query)).not.toEqual(sets.known.title.map((q) => q.query));
  });
});

describe('the best any engine can expect on a known-item set', () => {
  const filler = Array.from({ length: 24 }, (_, i) => COMMON[i % COMMON.length]).join(' ');
  const article = (url: string, title: string, excerpt = filler): JudgeArticle => ({
    file: `${url}.md`,
    url,
    title,
    excerpt,
    topics: [],
    provider: 'Example',
    publishedAt: null,
    live: true,
    relatedUrls: [],
  });
  const articles = [
    article('long', 'Robots markets cloud zorxa'),
    article('short', 'Robots markets zorxb'),
    article('reversed', 'Markets robots zorxc'),
    article('brief-excerpt', 'Robots markets zorxd', 'cloud robots markets'),
  ];
  const expected = (targetUrl: string) =>
    bestExpectedRR(articles, 'title', [{ words: ['robots', 'markets'], targetUrl }])[0];

  it('GIVEN two titles holding the words in order THEN the shorter is likelier: the longer can expect rank 2', () => {
    // 1 / C(2, 2) beats 1 / C(3, 2); reversed order and a 3-word excerpt cannot be drawn as targets.
    expect(expected('short')).toBe(1);
    expect(expected('long')).toBe(1 / 2);
  });

  it('GIVEN a target that could not have been drawn for the query THEN it expects nothing', () => {
    expect(expected('reversed')).toBe(0);
  });
});

describe('the judge’s related set', () => {
  it('GIVEN curated links THEN only links to live corpus articles count, matched by normalised URL', () => {
    const { articles } = corpus();
    const sets = drawJudgedSets(articles, { seed: 1, perSet: 5, relatedCap: 100 });
    const sources = sets.related.map((r) => r.sourceUrl).sort();
    // Articles 0, 5, …, 55 (all live) link article i + 1 (live) by another form of its URL, an outside
    // URL, and article 9, which is not live.
    expect(sources).toHaveLength(12);
    for (const r of sets.related) {
      const i = Number(/\/a\/(\d+)\//.exec(r.sourceUrl)![1]);
      expect(r.relevantUrls).toEqual([`https://www.example.com/a/${i + 1}/`]);
    }
  });
});

describe('the stripped corpus copy', () => {
  it('GIVEN files with related blocks THEN the copy has none and every other field is unchanged', () => {
    const { dir } = corpus();
    const copy = writeStrippedCopy(dir);
    expect(copy.files).toBe(62);
    expect(copy.stripped).toBe(12);
    for (const name of fs.readdirSync(copy.dir)) {
      const text = fs.readFileSync(path.join(copy.dir, name), 'utf8');
      expect(text).not.toMatch(/^related:/m);
    }
    const before = readJudgeCorpus(dir).map(({ relatedUrls: _r, ...rest }) => rest);
    const after = readJudgeCorpus(copy.dir);
    expect(after.map(({ relatedUrls: _r, ...rest }) => rest)).toEqual(before);
    expect(after.every((a) => a.relatedUrls.length === 0)).toBe(true);
  });

  it('GIVEN a related block in the middle of the front matter THEN the keys after it stay', () => {
    const text =
      '---\ntitle: "A"\nrelated:\n  - title: "B"\n    webUrl: "https://b.example"\n\nheat: 3\n---\nbody';
    const out = stripRelated(text);
    expect(yaml.load(out.split('---')[1]!)).toEqual({ title: 'A', heat: 3 });
    expect(out.endsWith('---\nbody')).toBe(true);
  });
});
