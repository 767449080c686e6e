/** One terminal command: `search "deep learning" --topic AI --limit 3` → name, words, flags. */
export interface CommandLine {
  name: string;
  words: string[];
  flags: Map<string, string | true>;
}

const QUOTES = new Set(['"', "'"]);

/**
 * Splits a line into words. A quote groups words only where a shell word could start with one and only
 * when it is closed later on the line: `"deep learning"` is one word, while the apostrophe in
 * `alzheimer's disease --limit 2` is just a letter and `--limit 2` stays a flag. Nothing else is
 * interpreted (no escapes, no variables).
 */
export function tokenize(line: string): string[] {
  const chars = [...line];
  const tokens: string[] = [];
  let current = '';
  let started = false;
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    if (/\s/.test(char)) {
      if (started) tokens.push(current);
      current = '';
      started = false;
      continue;
    }
    if (!started && QUOTES.has(char)) {
      const close = chars.indexOf(char, i + 1);
      const next = chars[close + 1];
      // Only a quote that closes at the end of a word groups; anything else is an ordinary character.
      if (close > i && (next === undefined || /\s/.test(next))) {
        tokens.push(chars.slice(i + 1, close).join(''));
        i = close;
        continue;
      }
    }
    current += char;
    started = true;
  }
  if (started) tokens.push(current);
  return tokens;
}

const VALUE_FLAGS = new Set(['topic', 'limit', 'date', 'period']);
const BOOLEAN_FLAGS = new Set(['json', 'help']);

/** Parse tokens; unknown `--flags` stay words, so a query like `--verbose` is searched, not rejected. */
export function parseCommandLine(tokens: string[]): CommandLine | null {
  const [first, ...rest] = tokens;
  if (first === undefined) return null;
  const words: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(token);
    const flag = match?.[1];
    if (flag && VALUE_FLAGS.has(flag)) {
      const value = match[2] ?? rest[++i];
      flags.set(flag, value ?? '');
    } else if (flag && BOOLEAN_FLAGS.has(flag)) {
      flags.set(flag, true);
    } else {
      words.push(token);
    }
  }
  return { name: first.replace(/^\//, '').toLowerCase(), words, flags };
}
