/** A link the curators attached to an article ("related coverage"); mostly outside the corpus. */
export interface RelatedLink {
  title: string;
  webUrl: string;
  excerpt?: string;
  providerName?: string;
  publishedAt?: number;
}

export interface ArticleImage {
  url: string;
  width?: number;
  height?: number;
}

/** One validated article, as the engine and every front end see it. */
export interface Article {
  /** Short stable id derived from the normalised URL. */
  id: string;
  title: string;
  excerpt: string;
  /** Markdown body, cut to its first INDEXED_BODY_CHARS characters: only search reads it. */
  body: string;
  webUrl: string;
  /** Publication instant in ms since the epoch; null when the file gives none (never "new"). */
  publishedAt: number | null;
  provider: { name: string; domain: string };
  /** Display forms, deduplicated by normalised key. */
  topics: string[];
  /** Normalised topic keys, parallel to `topics`. */
  topicKeys: string[];
  images: ArticleImage[];
  /** Curator quality score, null when unknown. */
  quality: number | null;
  /** Popularity; null when unknown (negative in the file). */
  heat: number | null;
  /** `published: false` articles are loaded but never recommended. */
  published: boolean;
  type: string;
  /**
   * Curated related reading. The corpus loader leaves this empty and sets `relatedCount`: the lists are
   * most of a corpus's bytes and only `related` needs them, so they are read from the file on demand.
   */
  related: RelatedLink[];
  relatedCount: number;
  /** Path of the source file, relative to the corpus folder. */
  path: string;
}

/** A problem with one corpus file: the file is named and the reason is one a person can act on. */
export interface CorpusProblem {
  path: string;
  reason: string;
  /** `rejected`: the file was not loaded. `warning`: loaded, but something was dropped or merged. */
  severity: 'rejected' | 'warning';
}
