/**
 * FlexSearch 0.8, "forward then tolerant": a forward-tokenised index (every word also as its prefixes)
 * answers first; a tolerant one (swapped and missing letters) fills up; then the same two with
 * `suggest` (documents matching only some words). Either as a document over title, excerpt and topics
 * (field order = priority), or as one combined field; or the forward document alone.
 */
import { Document, Index, type Id, type Tokenizer } from 'flexsearch';
import { fillUp, relatedBySearch, type EngineSpec, type PeerDoc } from './types.ts';

type Searcher = (query: string, limit: number, suggest: boolean) => Id[];

export function fieldsSearcher(docs: readonly PeerDoc[], tokenize: Tokenizer): Searcher {
  const index = new Document({
    document: {
      id: 'id',
      index: [
        { field: 'title', tokenize },
        { field: 'excerpt', tokenize },
        { field: 'topics', tokenize },
      ],
    },
  });
  docs.forEach((d, id) => index.add({ id, title: d.title, excerpt: d.excerpt, topics: d.topics.join(' ') }));
  return (query, limit, suggest) =>
    (index.search(query, { limit, suggest, merge: true }) as unknown as { id: Id }[]).map((r) => r.id);
}

export function combinedSearcher(docs: readonly PeerDoc[], tokenize: Tokenizer): Searcher {
  const index = new Index({ tokenize });
  docs.forEach((d, id) => index.add(id, `${d.title} ${d.excerpt} ${d.topics.join(' ')}`));
  return (query, limit, suggest) => index.search(query, { limit, suggest });
}

/** Without `tolerant`, only the forward index: strict, then with suggest (the speed bench's config). */
export function forwardThenTolerant(
  docs: readonly PeerDoc[],
  make: (docs: readonly PeerDoc[], tokenize: Tokenizer) => Searcher,
  options: { tolerant: boolean } = { tolerant: true },
): (query: string, limit: number) => string[] {
  const forward = make(docs, 'forward');
  const tolerant = options.tolerant ? make(docs, 'tolerant') : undefined;
  const stages: ((limit: number) => (query: string) => Id[])[] = tolerant
    ? [
        (limit) => (q) => forward(q, limit, false),
        (limit) => (q) => tolerant(q, limit, false),
        (limit) => (q) => forward(q, limit, true),
        (limit) => (q) => tolerant(q, limit, true),
      ]
    : [(limit) => (q) => forward(q, limit, false), (limit) => (q) => forward(q, limit, true)];
  return (query, limit) => {
    let ids: Id[] = [];
    for (const stage of stages) {
      if (ids.length >= limit) break;
      ids = fillUp(ids, () => stage(limit)(query), limit);
    }
    return ids.map((id) => docs[Number(id)]!.url);
  };
}

export const flexFields: EngineSpec = {
  name: 'Flex fwd→tol',
  description:
    'FlexSearch 0.8 document (title, excerpt, topics): forward, then tolerant, then both with suggest',
  build({ docs }) {
    const search = forwardThenTolerant(docs, fieldsSearcher);
    return { search, related: relatedBySearch(docs, search) };
  },
};

export const flexCombined: EngineSpec = {
  name: 'Flex 1 field',
  description: 'FlexSearch 0.8 index over title + excerpt + topics as one field, forward then tolerant',
  build({ docs }) {
    const search = forwardThenTolerant(docs, combinedSearcher);
    return { search, related: relatedBySearch(docs, search) };
  },
};

/**
 * The forward document index alone (no tolerant index): what the speed bench builds at 100k, where the
 * tolerant index would take many minutes and gigabytes to build; its queries are the fastest Flex config.
 */
export const flexForward: EngineSpec = {
  name: 'Flex forward',
  description:
    'FlexSearch 0.8 document (title, excerpt, topics), forward tokenizer: strict, then with suggest',
  build({ docs }) {
    const search = forwardThenTolerant(docs, fieldsSearcher, { tolerant: false });
    return { search, related: relatedBySearch(docs, search) };
  },
};
