import { describe, expect, it } from 'vitest';
import { catalogTables, type Catalog } from '../src/search/catalog.ts';
import { checkPayloadNow, DIGEST_CHUNK, digestRanges, payloadDigests } from '../src/search/libraryCaches.ts';
import { snapshotIdLines } from '../src/search/librarySnapshot.ts';
import { loadLibrary } from '../src/search/loadLibrary.ts';
import type { Recommendation } from '../src/search/types.ts';
import { articleFile, tempDir, writeCorpus, type FixtureArticle } from './support/articles.ts';

const TOPICS = [['Machine Learning', 'AI'], ['machine learning'], ['Hardware', 'AI'], [], ['Science']];

/** Every kind of article the tables treat apart: unpublished, syndicated, merged by URL, topic spellings. */
function fixtures(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < 40; i++) {
    const fixture: FixtureArticle = {
      title: i % 7 === 3 ? 'A story many outlets ran' : `Article number ${i} about chips and learning`,
      webUrl: `https://example.com/news/${i}`,
      excerpt: `Excerpt ${i} on qubits, robots and bees.`,
      heat: (i * 37) % 101,
      date: `2021-10-${String(1 + ((i * 13) % 28)).padStart(2, '0')}T0${i % 10}:00:00Z`,
      provider: i % 7 === 3 ? `Outlet ${i}` : 'Example News',
      topics: TOPICS[i % TOPICS.length],
      ...(i % 9 === 4 && { published: false }),
    };
    files[`a${i}.md`] = articleFile(fixture);
  }
  // Two files with one URL: one article.
  files['copy.md'] = articleFile({ title: 'Article number 5 again', webUrl: 'https://example.com/news/5' });
  return files;
}

/** A result list as plain text (snapshot articles read their fields from the snapshot's columns). */
const listed = (page: { results: Recommendation[] }) =>
  page.results.map((result) =>
    result.kind === 'article' ? `${result.article.id} ${result.article.title}` : result.link.title,
  );

/** The parts of a catalog its saved tables make. */
function tablesOf(catalog: Catalog) {
  return {
    live: Array.from(catalog.live),
    liveCount: catalog.liveCount,
    maxHeat: catalog.maxHeat,
    dated: Array.from(catalog.dated),
    storyNumbers: Array.from(catalog.storyNumbers),
    storyCount: catalog.storyCount,
    topics: [...catalog.topicIndex].map(([key, { name, docs }]) => [key, name, Array.from(docs)]),
    popular: catalog.popular,
    byId: catalog.list.map((article) => catalog.byId.get(article.id)),
  };
}

describe('the catalog tables saved with the snapshot', () => {
  it('GIVEN a warm start THEN its catalog tables are those a build works out from the articles', () => {
    const dir = writeCorpus(fixtures());
    const dataDir = tempDir();
    const cold = loadLibrary({ articlesDir: dir, dataDir });
    const warm = loadLibrary({ articlesDir: dir, dataDir });
    expect(cold.timings.fromSnapshot).toBe(false);
    expect(warm.timings.fromSnapshot).toBe(true);
    const saved = tablesOf(warm.library.catalog);
    expect(saved).toEqual(tablesOf(cold.library.catalog));
    // Worked out again from the warm library's own articles: the same.
    const { catalog } = warm.library;
    const again = catalogTables(catalog.list, catalog.stories);
    expect(saved.storyNumbers).toEqual(Array.from(again.storyNumbers));
    expect(saved.topics).toEqual(again.topics.map(({ key, name, docs }) => [key, name, Array.from(docs)]));
    expect(saved.dated).toEqual(Array.from(again.dated));
    // The fixtures hold what the tables must tell apart.
    expect(saved.liveCount).toBeLessThan(catalog.list.length);
    expect(saved.storyCount).toBeLessThan(catalog.list.length);
    expect(saved.topics.map(([key]) => key)).toContain('machine learning');
    expect(catalog.byId.get('no-such-id')).toBeUndefined();
    for (const story of catalog.stories) expect(catalog.stories[catalog.byStory.get(story)!]).toBe(story);
    expect(catalog.byStory.get('no such story')).toBeUndefined();
    // The reload worker gets a snapshot's ids straight from its column.
    const ids = (from: number, to: number) =>
      catalog.list
        .slice(from, to)
        .map((article) => article.id)
        .join('\n');
    expect(snapshotIdLines(catalog.list, 0, 5)).toBe(ids(0, 5));
    expect(snapshotIdLines(catalog.list, 7, 1_000)).toBe(ids(7, 1_000));
    expect(snapshotIdLines(cold.library.catalog.list, 0, 5)).toBeNull();
    for (const query of ['chips', 'story many outlets', 'bees learning'])
      expect(listed(warm.library.search(query)), query).toEqual(listed(cold.library.search(query)));
    expect(warm.library.topics()).toEqual(cold.library.topics());
    expect(listed(warm.library.topic('AI'))).toEqual(listed(cold.library.topic('AI')));
    expect(warm.library.suggest('ar', { kind: 'article' })).toEqual(
      cold.library.suggest('ar', { kind: 'article' }),
    );
  });
});

describe('the digests a cache file keeps', () => {
  it('GIVEN a payload in parts THEN its digests are those of the whole, one per run, and a changed byte changes one', () => {
    const payload = new Uint8Array(2 * DIGEST_CHUNK + 12_345).map((_, i) => (i * 7919) % 251);
    const cut = DIGEST_CHUNK - 3;
    const digests = payloadDigests([payload.subarray(0, cut), new Uint8Array(0), payload.subarray(cut)]);
    expect(digests).toEqual(payloadDigests([payload]));
    expect(digestRanges(payload.length)).toEqual([
      [0, DIGEST_CHUNK],
      [DIGEST_CHUNK, 2 * DIGEST_CHUNK],
      [2 * DIGEST_CHUNK, payload.length],
    ]);
    expect(checkPayloadNow(payload, digests)).toBe(true);
    payload[DIGEST_CHUNK + 1]! ^= 1;
    const changed = payloadDigests([payload]);
    expect(changed.filter((digest, i) => digest !== digests[i])).toHaveLength(1);
    expect(checkPayloadNow(payload, digests)).toBe(false);
    expect(payloadDigests([])).toHaveLength(1);
  });
});
