import { compile, type HtmlToTextOptions } from 'html-to-text';

const TEXT_OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  decodeEntities: true,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'iframe', format: 'skip' },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'h4', options: { uppercase: false } },
    { selector: 'h5', options: { uppercase: false } },
    { selector: 'h6', options: { uppercase: false } },
    { selector: 'ul', options: { itemPrefix: ' ' } },
  ],
};

/** Compiled once: html-to-text's convert() would compile the selectors again on every call. */
const convert = compile(TEXT_OPTIONS);

/** Control characters other than whitespace have no place in a title or excerpt. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** Markup still there after a conversion: a tag opener or an entity. */
const MARKUP = /<[a-z!/?]|&(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/i;

/**
 * HTML (or text that may hold HTML) → one line of plain text. Feeds often escape HTML twice
 * (`&amp;lt;b&amp;gt;`), so the conversion runs again while markup is left, at most three times.
 */
export function htmlToPlainText(html: string): string {
  let text = html;
  for (let pass = 0; pass < 3; pass++) {
    text = convert(text);
    if (!MARKUP.test(text)) break;
  }
  return text.replace(CONTROL_CHARACTERS, '').replace(/\s+/g, ' ').trim();
}

/** At most `max` characters, cut at a word boundary with an ellipsis when anything was cut. */
export function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = text.slice(0, max - 1);
  const lastSpace = room.lastIndexOf(' ');
  const cut = lastSpace > max / 2 ? room.slice(0, lastSpace) : room;
  return `${cut.replace(/[\s,;:.–—-]+$/, '')}…`;
}

/** A file-name slug: lower-case letters and digits of any script, joined by hyphens, at most 60. */
export function slugOf(title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .normalize('NFC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  let slug = '';
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > 60) break;
    slug = next;
  }
  return slug || (words[0]?.slice(0, 60) ?? '') || 'article';
}
