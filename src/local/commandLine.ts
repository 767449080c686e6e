/** One terminal command: `search "deep learning" --topic AI --limit 3` → name, words, flags. */
export interface CommandLine {
  name: string;
  words: string[];
  flags: Map<string, string | true>;
}

/** Split like a shell would for quotes ("…" and '…'), without ever interpreting anything else. */
export function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quote: '"' | "'" | null = null;
  let started = false;
  for (const char of line) {
    if (quote) {
      if (char === quote) quote = null;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      started = true;
    } else if (/\s/.test(char)) {
      if (started || current) tokens.push(current);
      current = '';
      started = false;
    } else {
      current += char;
    }
  }
  if (started || current) tokens.push(current);
  return tokens;
}

const VALUE_FLAGS = new Set(['topic', 'limit', 'date', 'period']);
const BOOLEAN_FLAGS = new Set(['json']);

/** Parse tokens; unknown `--flags` stay words, so a query like `--help` is searched, not rejected. */
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
