/** Plain lunr 2.3.9 with default settings (bench/lunrBaseline.ts): escaped user text, more-like-this. */
import { buildLunrIndex, lunrMoreLikeThis, lunrSearch } from '../lunrBaseline.ts';
import type { EngineSpec } from './types.ts';

export const plainLunr: EngineSpec = {
  name: 'lunr',
  description: 'lunr 2.3.9 defaults over title, excerpt, topics; related: title + topic words OR-ed',
  build({ docs }) {
    const idx = buildLunrIndex(
      docs.map((d, i) => ({
        id: String(i),
        title: d.title,
        excerpt: d.excerpt,
        topics: d.topics,
        body: '',
        published: true,
      })),
    );
    const byUrl = new Map(docs.map((d, i) => [d.url, i]));
    const urls = (refs: string[], limit: number) => refs.slice(0, limit).map((r) => docs[Number(r)]!.url);
    return {
      search: (query, limit) => urls(lunrSearch(idx, query).refs, limit),
      related(url, limit) {
        const i = byUrl.get(url);
        if (i === undefined) return [];
        const d = docs[i]!;
        return urls(lunrMoreLikeThis(idx, { id: String(i), title: d.title, topics: d.topics }).refs, limit);
      },
    };
  },
};
