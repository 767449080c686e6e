import type { Article } from '../articles/article.ts';
import type { DigestTargetSettings } from '../store/types.ts';

/** What one article shows in a digest: display fields only, copied when the digest is prepared. */
export interface DigestArticle {
  id: string;
  title: string;
  webUrl: string;
  excerpt: string;
  providerName: string;
  publishedAt: number | null;
  heat: number | null;
  topics: string[];
  imageUrl: string | null;
  /** Why it is there beyond "top by heat": what the server's feedback did to it, if anything. */
  why?: string;
}

/** The title's parts; the renderer words it (`Daily digest · Mon 2 Jun`) in the target's time zone. */
export type DigestTitle =
  /** `name`: the digest's name in its server (absent in content prepared before there were several). */
  | { kind: 'server'; at: number; timeZone: string; name?: string }
  | { kind: 'subscription'; topic: string; at: number; timeZone: string };

/**
 * A digest as data, recorded with the run before anything is posted: a resumed run delivers exactly this,
 * and the delivery renders it deterministically, so the message is the same however often it is tried.
 * It holds no markup: the delivery decides how a title, an article or a role mention looks.
 */
export interface DigestContent {
  version: 1;
  /** The run it belongs to: lets a delivery label the message, and later find a message it already posted. */
  runId: number;
  /** Deterministic per target and due time; the delivery posts with it so a repeat is deduplicated. */
  nonce: string;
  title: DigestTitle;
  /** The one role the message may ping, or null for none. */
  mentionRoleId: string | null;
  articles: DigestArticle[];
  /** The topics the digest follows (empty: every topic); a forum post takes its tags from them. */
  topics?: string[];
}

export function digestArticle(article: Article): DigestArticle {
  return {
    id: article.id,
    title: article.title,
    webUrl: article.webUrl,
    excerpt: article.excerpt,
    providerName: article.provider.name,
    publishedAt: article.publishedAt,
    heat: article.heat,
    topics: [...article.topics],
    imageUrl: article.images[0]?.url ?? null,
  };
}

export function digestContent(options: {
  runId: number;
  nonce: string;
  target: DigestTargetSettings;
  articles: readonly Article[];
  at: number;
  /** A "why" per article id, for the ones feedback moved. */
  why?: (article: Article) => string | null;
}): DigestContent {
  const { target, at } = options;
  return {
    version: 1,
    runId: options.runId,
    nonce: options.nonce,
    title:
      target.kind === 'guild'
        ? { kind: 'server', at, timeZone: target.timeZone, name: target.name }
        : { kind: 'subscription', topic: target.topic, at, timeZone: target.timeZone },
    mentionRoleId: target.kind === 'guild' ? target.mentionRoleId : null,
    articles: options.articles.map((article) => {
      const why = options.why?.(article);
      return why ? { ...digestArticle(article), why } : digestArticle(article);
    }),
    topics: target.kind === 'guild' ? [...target.topics] : [target.topic],
  };
}

/** The recorded content, or null when the run was prepared by an older build (a rendered message body). */
export function parseDigestContent(stored: string): DigestContent | null {
  try {
    const value = JSON.parse(stored) as Partial<DigestContent> | null;
    return value?.version === 1 && Array.isArray(value.articles) ? (value as DigestContent) : null;
  } catch {
    return null;
  }
}
