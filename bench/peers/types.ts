/**
 * One small interface for every engine the quality and speed benches compare: search text → URLs, and
 * related reading for an article's URL → URLs (the article itself never among them).
 */

/** An article as the peers index it: what the judge read from its file, without the curated list. */
export interface PeerDoc {
  url: string;
  title: string;
  excerpt: string;
  topics: string[];
  provider: string;
  publishedAt: number | null;
}

export interface Engine {
  search?(query: string, limit: number): string[];
  related?(url: string, limit: number): string[];
}

export interface BuildInput {
  /** The live articles (the only ones any engine may return). */
  docs: readonly PeerDoc[];
  /** The corpus folder with every `related:` block removed (Broadsheet loads it like the bot would). */
  strippedDir: string;
  /** Every query the run will ask, for an engine that answers in one batch (the terminal pipe). */
  planned?: { searches: readonly string[]; related: readonly string[] };
}

export interface EngineSpec {
  /** Short column label. */
  name: string;
  /** How it is configured, one line. */
  description: string;
  build(input: BuildInput): Engine | Promise<Engine>;
}

/** A peer's more-like-this query: the article's title and topic names. */
export function relatedQueryText(doc: PeerDoc): string {
  return `${doc.title} ${doc.topics.join(' ')}`;
}

/** The first `limit` of `primary`, then of `fallback()` (asked only when needed), without repeats. */
export function fillUp<T>(primary: readonly T[], fallback: () => readonly T[], limit: number): T[] {
  const out = [...new Set(primary)].slice(0, limit);
  if (out.length >= limit) return out;
  const seen = new Set(out);
  for (const x of fallback()) {
    if (out.length >= limit) break;
    if (!seen.has(x)) {
      seen.add(x);
      out.push(x);
    }
  }
  return out;
}

/** Related reading the peers' way: search with the article's title and topics, the article left out. */
export function relatedBySearch(
  docs: readonly PeerDoc[],
  search: (query: string, limit: number) => string[],
): (url: string, limit: number) => string[] {
  const byUrl = new Map(docs.map((d) => [d.url, d]));
  return (url, limit) => {
    const doc = byUrl.get(url);
    if (!doc) return [];
    return search(relatedQueryText(doc), limit + 1)
      .filter((u) => u !== url)
      .slice(0, limit);
  };
}
