import type { Article } from './article.ts';

/** A URL as a person would share it: no `utm_*` tracking parameters and no fragment. */
function isCleanUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return !url.hash && ![...url.searchParams.keys()].some((key) => key.toLowerCase().startsWith('utm_'));
  } catch {
    return false;
  }
}

function cleanUrl(raw: string): string {
  try {
    const url = new URL(raw);
    url.hash = '';
    for (const key of [...url.searchParams.keys()]) {
      if (key.toLowerCase().startsWith('utm_')) url.searchParams.delete(key);
    }
    return url.toString();
  } catch {
    return raw;
  }
}

/**
 * Two files with one URL are one article, merged field by field so neither file's information is lost:
 * the newest date (and that version's title and excerpt), the highest heat and quality, the longest body,
 * every topic and image, published if either is, and the link without tracking parameters. Returns the
 * fields the second file supplied, for the report.
 */
export function mergeDuplicate(into: Article, other: Article): string[] {
  const fromOther: string[] = [];
  const newer = (other.publishedAt ?? -Infinity) > (into.publishedAt ?? -Infinity);
  if (newer) {
    into.publishedAt = other.publishedAt;
    fromOther.push('date');
    if (other.title !== into.title) {
      into.title = other.title;
      fromOther.push('title');
    }
    if (other.excerpt && other.excerpt !== into.excerpt) {
      into.excerpt = other.excerpt;
      fromOther.push('excerpt');
    }
  } else if (!into.excerpt && other.excerpt) {
    into.excerpt = other.excerpt;
    fromOther.push('excerpt');
  }
  if ((other.heat ?? -Infinity) > (into.heat ?? -Infinity)) {
    into.heat = other.heat;
    fromOther.push('heat');
  }
  if ((other.quality ?? -Infinity) > (into.quality ?? -Infinity)) {
    into.quality = other.quality;
    fromOther.push('quality');
  }
  if (other.body.length > into.body.length) {
    into.body = other.body;
    fromOther.push('body');
  }
  if (!isCleanUrl(into.webUrl)) {
    into.webUrl = isCleanUrl(other.webUrl) ? other.webUrl : cleanUrl(into.webUrl);
    fromOther.push('link');
  }
  if (other.published && !into.published) {
    into.published = true;
    fromOther.push('published');
  }
  other.topicKeys.forEach((key, i) => {
    if (into.topicKeys.includes(key)) return;
    into.topicKeys.push(key);
    into.topics.push(other.topics[i] ?? key);
    if (!fromOther.includes('topics')) fromOther.push('topics');
  });
  for (const image of other.images) {
    if (into.images.some((known) => known.url === image.url)) continue;
    into.images = [...into.images, image];
    if (!fromOther.includes('images')) fromOther.push('images');
  }
  if (other.relatedCount > into.relatedCount) {
    // Related lists are read from the file on demand: point at the file that has the longer one.
    into.related = other.related;
    into.relatedCount = other.relatedCount;
    into.path = other.path;
    fromOther.push('related reading');
  }
  return fromOther;
}
