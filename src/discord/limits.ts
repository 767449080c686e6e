/** Discord's documented message limits, and ours where we are stricter (URLs). */
export const LIMITS = {
  content: 2_000,
  embedsPerMessage: 10,
  embedTitle: 256,
  embedDescription: 4_096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1_024,
  footer: 2_048,
  authorName: 256,
  embedTotal: 6_000,
  actionRows: 5,
  buttonsPerRow: 5,
  customId: 100,
  buttonLabel: 80,
  selectOptions: 25,
  selectOptionText: 100,
  /** Discord takes 2,048; long tracking URLs are noise and some clients break on them. */
  url: 512,
  autocompleteChoices: 25,
  choiceText: 100,
} as const;

/**
 * Cut `text` to at most `max` characters at a word boundary, marking the cut with an ellipsis. Never
 * leaves half a word, a lone escaping backslash, or half of a URL (a URL is dropped whole instead).
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return '…'.slice(0, max);
  let cut = text.slice(0, max - 1);
  const space = cut.search(/\s\S*$/);
  if (space > max * 0.5) cut = cut.slice(0, space);
  // An unfinished URL is worse than none.
  cut = cut.replace(/\s*\S*https?:\/\/\S*$/, '');
  cut = cut.replace(/\\+$/, '').trimEnd();
  return cut + '…';
}

/** An http(s) URL within our limit, or undefined (never a javascript:, data: or over-long URL). */
export function safeUrl(raw: string | undefined): string | undefined {
  if (!raw || raw.length > LIMITS.url) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
