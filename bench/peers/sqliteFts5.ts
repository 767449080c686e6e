/**
 * SQLite FTS5 through better-sqlite3 (porter tokenizer, bm25): every word required, then any word to fill
 * up, the last word as a prefix. Related reading: the title + topics as an OR query, either ranked by bm25
 * alone or re-ranked by topic overlap and closeness in time.
 */
import Database from 'better-sqlite3';
import { fillUp, relatedQueryText, type Engine, type EngineSpec, type PeerDoc } from './types.ts';

const DAY_MS = 86_400_000;
/** Candidates the re-ranking variant reorders. */
const RERANK_POOL = 200;

function ftsTerms(text: string): string[] {
  return [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
}

interface Fts {
  /** Row indexes with bm25 scores (higher is better here), best first. */
  match(expression: string, limit: number): { i: number; score: number }[];
}

function buildFts(docs: readonly PeerDoc[]): Fts {
  const db = new Database(':memory:');
  db.exec(
    "CREATE VIRTUAL TABLE docs USING fts5(title, excerpt, topics, tokenize = 'porter unicode61 remove_diacritics 2')",
  );
  const insert = db.prepare('INSERT INTO docs (rowid, title, excerpt, topics) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    docs.forEach((d, i) => insert.run(i + 1, d.title, d.excerpt, d.topics.join(' ')));
  })();
  const select = db.prepare(
    'SELECT rowid AS id, bm25(docs) AS rank FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?',
  );
  return {
    match: (expression, limit) =>
      (select.all(expression, limit) as { id: number; rank: number }[]).map((r) => ({
        i: r.id - 1,
        score: -r.rank,
      })),
  };
}

function searcher(fts: Fts, docs: readonly PeerDoc[]): (query: string, limit: number) => string[] {
  return (query, limit) => {
    const terms = ftsTerms(query).map((t) => `"${t}"`);
    if (terms.length === 0) return [];
    terms[terms.length - 1] += '*';
    const ids = fillUp(
      fts.match(terms.join(' AND '), limit).map((r) => r.i),
      () => fts.match(terms.join(' OR '), limit).map((r) => r.i),
      limit,
    );
    return ids.map((i) => docs[i]!.url);
  };
}

function relatedCandidates(fts: Fts, doc: PeerDoc, limit: number): { i: number; score: number }[] {
  const terms = ftsTerms(relatedQueryText(doc)).map((t) => `"${t}"`);
  return terms.length ? fts.match(terms.join(' OR '), limit) : [];
}

function topicKeys(doc: PeerDoc): Set<string> {
  return new Set(doc.topics.map((t) => t.toLowerCase().replace(/\s+/g, ' ').trim()));
}

export const fts5: EngineSpec = {
  name: 'FTS5',
  description:
    'SQLite FTS5 porter + bm25: AND, then OR to fill, last word a prefix; related: title + topics OR-ed',
  build({ docs }): Engine {
    const fts = buildFts(docs);
    const byUrl = new Map(docs.map((d, i) => [d.url, i]));
    return {
      search: searcher(fts, docs),
      related(url, limit) {
        const i = byUrl.get(url);
        if (i === undefined) return [];
        return relatedCandidates(fts, docs[i]!, limit + 1)
          .filter((r) => r.i !== i)
          .slice(0, limit)
          .map((r) => docs[r.i]!.url);
      },
    };
  },
};

export const fts5Reranked: EngineSpec = {
  name: 'FTS5 rerank',
  description:
    'FTS5 related: top 200 of the title + topics query, re-ranked by bm25 share + topic overlap + closeness in time',
  build({ docs }): Engine {
    const fts = buildFts(docs);
    const byUrl = new Map(docs.map((d, i) => [d.url, i]));
    return {
      related(url, limit) {
        const i = byUrl.get(url);
        if (i === undefined) return [];
        const source = docs[i]!;
        const topics = topicKeys(source);
        const pool = relatedCandidates(fts, source, RERANK_POOL).filter((r) => r.i !== i);
        const best = pool[0]?.score ?? 1;
        const scored = pool.map((r) => {
          const d = docs[r.i]!;
          const shared = [...topicKeys(d)].filter((t) => topics.has(t)).length;
          const overlap = topics.size ? shared / topics.size : 0;
          const days =
            source.publishedAt !== null && d.publishedAt !== null
              ? Math.abs(source.publishedAt - d.publishedAt) / DAY_MS
              : Infinity;
          const closeness = 1 / (1 + days / 3);
          return { i: r.i, score: r.score / best + 0.5 * overlap + 0.5 * closeness };
        });
        return scored
          .sort((a, b) => b.score - a.score)
          .slice(0, limit)
          .map((r) => docs[r.i]!.url);
      },
    };
  },
};
