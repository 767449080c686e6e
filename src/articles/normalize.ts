import { hash } from 'node:crypto';

/**
 * Canonical form of an article URL, so the same page reached through different links is one article:
 * lower-case host without `www.`, no fragment, no `utm_*` parameters, no trailing slash.
 */
export function normalizeUrl(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const host = url.hostname.toLowerCase().replace(/^www\./, '');
  const params = [...url.searchParams.entries()].filter(([key]) => !key.toLowerCase().startsWith('utm_'));
  const query = params.length ? '?' + new URLSearchParams(params).toString() : '';
  const path = url.pathname.replace(/\/+$/, '');
  return `${host}${url.port ? ':' + url.port : ''}${path}${query}`;
}

/** True for an absolute http(s) URL: the only kind we ever link to or show as an image. */
export function isHttpUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * A short id that stays the same across restarts and corpus edits as long as the URL does.
 * 48 bits of SHA-1 in base64url: 8 characters, safe in custom ids, collisions negligible at 1M articles.
 */
export function articleIdFromUrl(normalizedUrl: string): string {
  return hash('sha1', normalizedUrl, 'base64url').slice(0, 8);
}

/** Matching key of a topic: "Machine  learning" and "machine learning" are one topic. */
export function topicKey(topic: string): string {
  return topic.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Tidy display form of a topic as written by the curators (spacing only; case is theirs). */
export function topicDisplay(topic: string): string {
  return topic.normalize('NFKC').replace(/\s+/g, ' ').trim();
}
