import { EntityDecoder, ENTITY_ACTION } from '@nodable/entities';
import { XMLParser } from 'fast-xml-parser';
import { FeedError } from './problems.ts';

/** One item as the feed gives it: text may still hold HTML; links may be relative or unsafe. */
export interface FeedItem {
  /** 1-based position in the feed, to name an item that has no title. */
  position: number;
  title: string | null;
  link: string | null;
  /** HTML or plain text: the summary where the feed has one, else the content. */
  summary: string | null;
  date: string | null;
  categories: string[];
  images: { url: string; width?: number; height?: number }[];
}

export interface ParsedFeed {
  format: 'RSS' | 'RSS 1.0' | 'Atom' | 'JSON Feed';
  title: string | null;
  /** Atom's `xml:base` on the feed element: relative links resolve against it (then the feed's URL). */
  base?: string;
  items: FeedItem[];
}

type XmlNode = Record<string, unknown>;

/** Elements that may repeat: always lists, so one item and ten items read the same way. */
const REPEATED = new Set([
  'item',
  'entry',
  'category',
  'dc:subject',
  'enclosure',
  'link',
  'media:content',
  'media:thumbnail',
  'media:group',
]);

/**
 * A parser per document. DTD entity declarations are refused outright (the decoder's registration
 * hook throws): no feed needs them, and they are how entity bombs and external entities arrive.
 * fast-xml-parser never fetches an external DTD or SYSTEM entity; the XML built-ins and numeric
 * references are decoded, with a ceiling on how much decoding may add.
 */
function xmlParser(): XMLParser {
  const entityDecoder = new EntityDecoder({
    numericAllowed: true,
    limit: { maxTotalExpansions: 1_000_000, maxExpandedLength: 10_000_000, applyLimitsTo: 'all' },
    onInputEntity: () => ENTITY_ACTION.THROW,
  });
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    textNodeName: '#text',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    processEntities: true,
    entityDecoder,
    isArray: (name) => REPEATED.has(name),
    // Atom's xhtml text constructs wrap markup in one <div>: kept as written, it is HTML to convert.
    stopNodes: ['*.title.div', '*.subtitle.div', '*.summary.div', '*.content.div'],
  });
}

const asNode = (value: unknown): XmlNode | null =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as XmlNode) : null;

const list = (value: unknown): unknown[] =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];

/**
 * The text of an element: plain, `#text` beside attributes, or all the text inside (markup a writer
 * left unescaped, where document order is not kept: good enough for an excerpt, never for a link).
 */
function textOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length ? textOf(value[0]) : null;
  const node = asNode(value);
  if (!node) return null;
  const parts = Object.entries(node)
    .filter(([key]) => !key.startsWith('@_'))
    .flatMap(([, child]) => list(child).map(textOf))
    .filter((part): part is string => Boolean(part));
  return parts.length ? parts.join(' ') : null;
}

const attr = (value: unknown, name: string): string | null => {
  const found = asNode(value)?.[`@_${name}`];
  return typeof found === 'string' ? found : null;
};

const firstText = (...values: unknown[]): string | null => {
  for (const value of values) {
    const text = textOf(value)?.trim();
    if (text) return text;
  }
  return null;
};

function dimension(raw: unknown): number | undefined {
  const value = Number(raw);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

function image(url: string | null, width?: unknown, height?: unknown): FeedItem['images'] {
  if (!url) return [];
  const w = dimension(width);
  const h = dimension(height);
  return [{ url, ...(w ? { width: w } : {}), ...(h ? { height: h } : {}) }];
}

/** media:content is an image when it says so, or when it says nothing about its kind. */
function mediaImages(node: XmlNode): FeedItem['images'] {
  const contents = [
    ...list(node['media:content']),
    ...list(node['media:group']).flatMap((group) => list(asNode(group)?.['media:content'])),
  ];
  const thumbnails = [
    ...list(node['media:thumbnail']),
    ...list(node['media:group']).flatMap((group) => list(asNode(group)?.['media:thumbnail'])),
  ];
  return [
    ...contents.flatMap((content) => {
      const medium = attr(content, 'medium');
      const type = attr(content, 'type');
      const isImage = medium ? medium === 'image' : type ? type.startsWith('image/') : true;
      return isImage ? image(attr(content, 'url'), attr(content, 'width'), attr(content, 'height')) : [];
    }),
    ...thumbnails.flatMap((thumb) => image(attr(thumb, 'url'), attr(thumb, 'width'), attr(thumb, 'height'))),
  ];
}

function categoriesOf(values: unknown[]): string[] {
  return values.flatMap((value) => {
    const text = attr(value, 'label') ?? attr(value, 'term') ?? textOf(value);
    return text?.trim() ? [text.trim()] : [];
  });
}

/** RSS 0.9x/2.0 and RSS 1.0 items: the same element names, RDF keeps dates and subjects in Dublin Core. */
function rssItem(raw: unknown, position: number): FeedItem {
  const node = asNode(raw) ?? {};
  const guid = node['guid'];
  const guidLink = attr(guid, 'isPermaLink') === 'false' ? null : firstText(guid);
  return {
    position,
    title: firstText(node['title'], node['dc:title']),
    link: firstText(node['link']) ?? attr(node, 'rdf:about') ?? guidLink,
    summary: firstText(node['description'], node['content:encoded'], node['itunes:summary']),
    date: firstText(node['pubDate'], node['dc:date'], node['published'], node['updated']),
    categories: categoriesOf([...list(node['category']), ...list(node['dc:subject'])]),
    images: [
      ...list(node['enclosure']).flatMap((enclosure) =>
        attr(enclosure, 'type')?.startsWith('image/') ? image(attr(enclosure, 'url')) : [],
      ),
      ...mediaImages(node),
      // A podcast episode's artwork (its enclosure is the audio).
      ...image(attr(node['itunes:image'], 'href')),
    ],
  };
}

function atomLink(links: unknown[]): string | null {
  const alternate = links.find((link) => {
    const rel = attr(link, 'rel');
    return !rel || rel === 'alternate';
  });
  return attr(alternate ?? links[0], 'href');
}

function atomEntry(raw: unknown, position: number): FeedItem {
  const node = asNode(raw) ?? {};
  const links = list(node['link']);
  return {
    position,
    title: firstText(node['title']),
    link: atomLink(links),
    summary: firstText(node['summary'], node['content']),
    date: firstText(node['published'], node['updated'], node['dc:date']),
    categories: categoriesOf(list(node['category'])),
    images: [
      ...links.flatMap((link) =>
        attr(link, 'rel') === 'enclosure' && attr(link, 'type')?.startsWith('image/')
          ? image(attr(link, 'href'))
          : [],
      ),
      ...mediaImages(node),
    ],
  };
}

const stringField = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() ? value.trim() : null;

function jsonFeedItem(raw: unknown, position: number): FeedItem {
  const item = asNode(raw) ?? {};
  const attachments = list(item['attachments']).flatMap((attachment) => {
    const node = asNode(attachment);
    const type = stringField(node?.['mime_type']);
    return type?.startsWith('image/') ? image(stringField(node?.['url'])) : [];
  });
  return {
    position,
    title: stringField(item['title']),
    link: stringField(item['url']) ?? stringField(item['external_url']),
    summary:
      stringField(item['summary']) ?? stringField(item['content_html']) ?? stringField(item['content_text']),
    date: stringField(item['date_published']) ?? stringField(item['date_modified']),
    categories: list(item['tags']).flatMap((tag) => (stringField(tag) ? [stringField(tag)!] : [])),
    images: [...image(stringField(item['image'])), ...attachments],
  };
}

function parseJsonFeed(text: string): ParsedFeed {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new FeedError('invalid-json', `the feed is not valid JSON: ${(error as Error).message}`);
  }
  const feed = asNode(data);
  const version = stringField(feed?.['version']);
  if (!feed || !version?.startsWith('https://jsonfeed.org/version/') || !Array.isArray(feed['items']))
    throw new FeedError(
      'unknown-format',
      'JSON, but not a JSON Feed (no jsonfeed.org version or items list)',
    );
  return {
    format: 'JSON Feed',
    title: stringField(feed['title']),
    items: feed['items'].map((item, i) => jsonFeedItem(item, i + 1)),
  };
}

function describeXmlError(error: unknown): FeedError {
  const message = error instanceof Error ? error.message : String(error);
  if (/external entit/i.test(message))
    return new FeedError(
      'entity-declaration',
      'the feed declares an external entity (<!ENTITY … SYSTEM …>), which is refused: it would read another file or URL',
    );
  if (/entit/i.test(message))
    return new FeedError(
      'entity-declaration',
      'the feed declares XML entities (<!ENTITY …>), which are refused: expanding them is how entity bombs work',
    );
  return new FeedError('invalid-xml', `the feed is not well-formed XML: ${message}`);
}

function parseXmlFeed(text: string): ParsedFeed {
  let document: XmlNode;
  try {
    document = xmlParser().parse(text, true) as XmlNode;
  } catch (error) {
    throw describeXmlError(error);
  }
  const rss = asNode(document['rss']);
  if (rss) {
    const channel = asNode(list(rss['channel'])[0]) ?? {};
    return {
      format: 'RSS',
      title: firstText(channel['title']),
      items: list(channel['item']).map((item, i) => rssItem(item, i + 1)),
    };
  }
  const rdf = asNode(document['rdf:RDF']);
  if (rdf) {
    const channel = asNode(list(rdf['channel'])[0]) ?? {};
    // RSS 0.90 and 1.0 keep items beside the channel; a few writers nest them inside it.
    const items = [...list(rdf['item']), ...list(channel['item'])];
    return {
      format: 'RSS 1.0',
      title: firstText(channel['title']),
      items: items.map((item, i) => rssItem(item, i + 1)),
    };
  }
  const atom = asNode(document['feed']);
  if (atom) {
    const base = attr(atom, 'xml:base');
    return {
      format: 'Atom',
      title: firstText(atom['title']),
      ...(base ? { base } : {}),
      items: list(atom['entry']).map((entry, i) => atomEntry(entry, i + 1)),
    };
  }
  const root = Object.keys(document).find((key) => !key.startsWith('?') && !key.startsWith('#'));
  throw new FeedError(
    'unknown-format',
    root ? `XML, but not a feed (root element <${root}>)` : 'the document is empty',
  );
}

/** RSS 0.9x/1.0/2.0, Atom or JSON Feed text → items. Throws a FeedError naming what is wrong. */
export function parseFeed(text: string): ParsedFeed {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('{')) return parseJsonFeed(start);
  if (!start.startsWith('<')) throw new FeedError('unknown-format', 'neither XML nor JSON');
  return parseXmlFeed(start);
}
