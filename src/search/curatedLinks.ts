import { readRelatedLinks } from '../articles/loadCorpus.ts';
import type { Article, RelatedLink } from '../articles/article.ts';

/**
 * Reads an article's curated related list from its file on demand (the library keeps only the count),
 * remembering the last `keep` lists.
 */
export function curatedLinksReader(articlesDir: string, keep: number): (article: Article) => RelatedLink[] {
  const recent = new Map<string, RelatedLink[]>();
  return (article) => {
    if (article.related.length || article.relatedCount === 0) return article.related;
    let links = recent.get(article.id);
    if (!links) {
      links = readRelatedLinks(articlesDir, article) ?? [];
      recent.set(article.id, links);
      if (recent.size > keep) recent.delete(recent.keys().next().value!);
    }
    return links;
  };
}
