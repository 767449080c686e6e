/** MiniSearch 7: default options, and configured as in issue 13's table (AND, then OR; prefix; fuzzy; boost). */
import MiniSearch, { type SearchOptions } from 'minisearch';
import { fillUp, relatedBySearch, type EngineSpec, type PeerDoc } from './types.ts';

interface Indexed {
  id: number;
  title: string;
  excerpt: string;
  topics: string;
}

export function buildMiniSearch(docs: readonly PeerDoc[]): MiniSearch<Indexed> {
  const index = new MiniSearch<Indexed>({ fields: ['title', 'excerpt', 'topics'] });
  index.addAll(docs.map((d, id) => ({ id, title: d.title, excerpt: d.excerpt, topics: d.topics.join(' ') })));
  return index;
}

/** The last query term may be unfinished. */
const lastTermPrefix = (_term: string, i: number, terms: string[]): boolean => i === terms.length - 1;

export function tunedSearchOptions(fuzzy: number, titleBoost: number): SearchOptions {
  return { prefix: lastTermPrefix, fuzzy, boost: { title: titleBoost } };
}

/** Results that match every word first, then those that match some (MiniSearch's AND, then its OR). */
export function andThenOr(
  index: MiniSearch<Indexed>,
  options: SearchOptions,
): (query: string, limit: number) => number[] {
  return (query, limit) =>
    fillUp(
      index.search(query, { ...options, combineWith: 'AND' }).map((r) => r.id as number),
      () => index.search(query, { ...options, combineWith: 'OR' }).map((r) => r.id as number),
      limit,
    );
}

function tuned(name: string, fuzzy: number, titleBoost: number): EngineSpec {
  return {
    name,
    description: `MiniSearch 7: AND, then OR to fill; prefix on the last word; fuzzy ${fuzzy}; title ×${titleBoost}`,
    build({ docs }) {
      const ids = andThenOr(buildMiniSearch(docs), tunedSearchOptions(fuzzy, titleBoost));
      const search = (query: string, limit: number) => ids(query, limit).map((id) => docs[id]!.url);
      return { search, related: relatedBySearch(docs, search) };
    },
  };
}

export const miniSearchDefault: EngineSpec = {
  name: 'MiniS default',
  description: 'MiniSearch 7 with default options (OR, no prefix, no fuzzy) over title, excerpt, topics',
  build({ docs }) {
    const index = buildMiniSearch(docs);
    const search = (query: string, limit: number) =>
      index
        .search(query)
        .slice(0, limit)
        .map((r) => docs[r.id as number]!.url);
    return { search, related: relatedBySearch(docs, search) };
  },
};

export const miniSearchTuned = tuned('MiniS tuned', 0.2, 2);
export const miniSearchTuned3 = tuned('MiniS f.3 t×3', 0.3, 3);
