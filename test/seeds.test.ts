import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { Article } from '../src/articles/article.ts';
import { normalizeUrl } from '../src/articles/normalize.ts';
import { digest, related, search, topic, trending } from '../src/app/verbs.ts';
import { loadLibrary } from '../src/search/loadLibrary.ts';
import type { Recommendation } from '../src/search/types.ts';

/**
 * The bundled sample corpus (seeds/): it loads cleanly, is big enough for every example in the README
 * to answer with real articles, and links only to the reserved example domains.
 */
const SEEDS = path.resolve(import.meta.dirname, '..', 'seeds');
/** The README's `related` example: a sample article whose curated links are other samples. */
const REFERENCE_ID = 'rIofY48n';
/** "Now" for the period-relative examples: the day after the newest sample article. */
const NOW = Date.parse('2026-12-01T00:00:00Z');
const TOPICS = [
  'AI',
  'Machine Learning',
  'Deep Learning',
  'Self-Driving Cars',
  'Robotics',
  'Computer Vision',
  'Natural Language Processing',
  'Cloud Computing',
  'Azure',
  'Google Cloud',
  'Programming',
  'C++',
  '.NET',
  'Rust',
  'JavaScript',
  'Cybersecurity',
  'Privacy',
  'Climate',
  'Space',
  'Health',
  'Medicine',
  'Coronavirus',
  'Gaming',
  'Energy',
  'Startups',
];

const { library, problems } = loadLibrary({ articlesDir: SEEDS, dataDir: null });

function articlesOf(results: Recommendation[]): Article[] {
  return results.flatMap((result) => (result.kind === 'article' ? [result.article] : []));
}

const onExampleDomain = (url: string) => /(^|\.)example\.(com|org|net)$/.test(new URL(url).hostname);

/** The front matter of every seed file, parsed on its own (not through the loader, which merges duplicates). */
function frontMatters(): { file: string; data: Record<string, unknown> }[] {
  return fs
    .readdirSync(SEEDS)
    .filter((file) => /\.(md|markdown|txt)$/.test(file) && !/^readme\./i.test(file))
    .map((file) => {
      const text = fs.readFileSync(path.join(SEEDS, file), 'utf8');
      const match = /^---\r?\n([\s\S]*?)\r?\n---(\r?\n|$)/.exec(text);
      expect(match, `${file} has front matter`).not.toBeNull();
      return { file, data: yaml.load(match![1]!) as Record<string, unknown> };
    });
}

describe('the sample corpus in seeds/', () => {
  it('GIVEN the seeds folder THEN every file loads with no problem, and most articles are live', () => {
    expect(problems).toEqual([]);
    expect(library.size).toBeGreaterThanOrEqual(150);
    expect(library.liveCount).toBeGreaterThanOrEqual(120);
    expect(library.articles().filter((article) => !article.published).length).toBeGreaterThanOrEqual(3);
  });

  it('GIVEN the topics the README names THEN each has at least six live articles', () => {
    const counts = new Map(library.topics().map((entry) => [entry.name, entry.count]));
    for (const name of TOPICS) expect(counts.get(name) ?? 0, name).toBeGreaterThanOrEqual(6);
    const largest = library
      .topics()
      .slice(0, 2)
      .map((entry) => entry.name);
    expect(largest.sort()).toEqual(['AI', 'Machine Learning']);
  });

  it('GIVEN search "self-driving cars" THEN several articles about self-driving cars answer', () => {
    const found = articlesOf(search(library, { query: 'self-driving cars' }).items);
    expect(found.length).toBeGreaterThanOrEqual(3);
    for (const article of found) expect(article.topics).toContain('Self-Driving Cars');
  });

  it('GIVEN search C++ and search .NET THEN articles that name the language answer', () => {
    for (const query of ['C++', '.NET']) {
      const found = articlesOf(search(library, { query }).items);
      expect(found.length, query).toBeGreaterThanOrEqual(3);
      for (const article of found) expect(`${article.title} ${article.excerpt}`, query).toContain(query);
    }
  });

  it('GIVEN search deep learning THEN deep learning articles answer', () => {
    const found = articlesOf(library.search('deep learning').results);
    expect(found.length).toBeGreaterThanOrEqual(3);
    expect(found[0]!.title.toLowerCase()).toContain('deep learning');
  });

  it("GIVEN search alzheimer's disease --limit 2 THEN two articles on Alzheimer's research answer", () => {
    const page = search(library, { query: "alzheimer's disease", limit: 2 });
    const found = articlesOf(page.items);
    expect(found).toHaveLength(2);
    for (const article of found) expect(article.title).toContain("Alzheimer's disease");
    expect(page.paging.total).toBeGreaterThanOrEqual(3);
  });

  it('GIVEN topic Machine Learning THEN it answers from a large topic', () => {
    const list = topic(library, { name: 'Machine Learning' }, { now: NOW });
    expect(list.items.length).toBe(5);
    expect(list.paging.total).toBeGreaterThanOrEqual(25);
    expect(list.notices).toEqual([]);
  });

  it(`GIVEN related ${REFERENCE_ID} THEN curated sample articles and similar ones are suggested`, () => {
    const list = related(library, { ref: REFERENCE_ID });
    expect(list.about?.id).toBe(REFERENCE_ID);
    expect(articlesOf(list.items).length).toBeGreaterThanOrEqual(2);
  });

  it('GIVEN curated related lists in the samples THEN they point at other sample articles', () => {
    const sample = library
      .articles()
      .find((article) => article.path.includes('pedestrian-hesitation-study'))!;
    const list = library.related(sample.id);
    const curated = articlesOf(list.results.filter((result) => result.why === 'curated related reading'));
    expect(curated.map((article) => article.path)).toContain('2026-09-17-camera-only-self-driving-stack.md');
  });

  it('GIVEN trending week on 2026-12-01 THEN the newest week answers without falling back to an archive period', () => {
    const list = trending(library, { period: 'week' }, { now: NOW });
    expect(list.items.length).toBe(5);
    expect(list.notices).toEqual([]);
    expect(list.paging.total).toBeGreaterThanOrEqual(10);
  });

  it('GIVEN digest --date 2026-11-24 THEN five articles of that day with varied heat answer', () => {
    const day = Date.UTC(2026, 10, 24);
    const picked = library.selectDigest({ since: day, until: day + 86_400_000, limit: 25 });
    expect(picked.length).toBeGreaterThanOrEqual(5);
    expect(new Set(picked.map((article) => article.heat)).size).toBeGreaterThanOrEqual(5);
    const list = digest(library, { day });
    expect(list.title).toBe('Digest for 2026-11-24');
    expect(list.items).toHaveLength(5);
    expect(list.notices).toEqual([]);
  });

  it('GIVEN syndicated copies (one headline, two providers) THEN they are grouped into one story', () => {
    const byTitle = new Map<string, Article[]>();
    for (const article of library.articles()) {
      byTitle.set(article.title, [...(byTitle.get(article.title) ?? []), article]);
    }
    const syndicated = [...byTitle.values()].filter((copies) => copies.length > 1);
    expect(syndicated.length).toBeGreaterThanOrEqual(3);
    for (const copies of syndicated) {
      expect(new Set(copies.map((article) => article.provider.name)).size).toBe(copies.length);
      expect(new Set(copies.map((article) => library.storyOf(article))).size).toBe(1);
      const found = articlesOf(library.search(copies[0]!.title, { limit: 25 }).results);
      expect(found.filter((article) => article.title === copies[0]!.title)).toHaveLength(1);
    }
  });

  it('GIVEN every sample file THEN its links and images are on the reserved example domains and no URL repeats', () => {
    const seen = new Map<string, string>();
    for (const { file, data } of frontMatters()) {
      const webUrl = String(data.webUrl);
      const key = normalizeUrl(webUrl)!;
      expect(seen.get(key), `${file} repeats the URL of ${seen.get(key)}`).toBeUndefined();
      seen.set(key, file);
      expect(onExampleDomain(webUrl), `${file}: ${webUrl}`).toBe(true);
      expect((data.provider as { domain: string }).domain).toBe(new URL(webUrl).hostname);
      for (const image of (data.images as { url: string }[] | undefined) ?? []) {
        expect(onExampleDomain(image.url), `${file}: ${image.url}`).toBe(true);
      }
      for (const link of (data.related as { webUrl: string }[] | undefined) ?? []) {
        expect(onExampleDomain(link.webUrl), `${file}: ${link.webUrl}`).toBe(true);
      }
    }
    expect(seen.size).toBe(library.size);
    for (const article of library.articles()) {
      expect(onExampleDomain(article.webUrl), article.path).toBe(true);
    }
  });
});
