import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { z } from 'zod';
import { LIMITS } from '../articles/schema.ts';
import { isHttpUrl } from '../articles/normalize.ts';

/** One feed to import: where it is and what its entry adds to every item. */
export interface FeedEntry {
  /** An http(s) URL, or (on the command line only) a local file. */
  url: string;
  topics?: string[];
  /** Shown as the provider instead of the feed's own title. */
  provider?: string;
}

export interface FeedList {
  feeds: FeedEntry[];
  /** The `out:` folder the file names, resolved against the file's folder. */
  outDir?: string;
  /** Entries that were skipped, each with its position and reason. */
  problems: string[];
}

const entrySchema = z.strictObject({
  url: z.string(),
  topics: z
    .union([z.string().transform((topic) => [topic]), z.array(z.string().max(LIMITS.topic))])
    .optional(),
  provider: z.string().max(200).optional(),
});

const fileSchema = z.union([
  z.array(z.unknown()),
  z.strictObject({ out: z.string().optional(), feeds: z.array(z.unknown()) }),
]);

export class FeedListError extends Error {
  override name = 'FeedListError';
}

function describeEntryError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'is not valid';
  if (issue.code === 'unrecognized_keys')
    return `has an unknown field ${issue.keys.map((key) => JSON.stringify(key)).join(', ')} (known: url, topics, provider)`;
  const field = issue.path.join('.');
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `has no ${field}`;
  if (field === 'topics') return 'topics must be a list of names (or one name)';
  return `${field || 'entry'}: ${issue.message}`;
}

/** An entry as written: a bare URL, or a mapping. */
function parseEntry(
  raw: unknown,
): { ok: true; entry: z.infer<typeof entrySchema> } | { ok: false; reason: string } {
  if (typeof raw === 'string') return { ok: true, entry: { url: raw } };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, reason: 'must be a URL or a mapping with url (and optional topics, provider)' };
  const parsed = entrySchema.safeParse(raw);
  return parsed.success
    ? { ok: true, entry: parsed.data }
    : { ok: false, reason: describeEntryError(parsed.error) };
}

/** A line that is one URL and nothing else (`#` lines and blank lines aside). */
const URL_LINE = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;

/**
 * The simplest feeds file, one URL a line (as exported by many feed readers' "copy all"), with `#`
 * comments: YAML would read it as one long string.
 */
function urlLines(text: string): string[] | null {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  return lines.length && lines.every((line) => URL_LINE.test(line)) ? lines : null;
}

/**
 * The feeds file: one URL a line, or YAML, either a list of entries or `{ out, feeds: [...] }`. An
 * entry is a URL or `{ url, topics?, provider? }`. A bad entry is skipped and named (position and
 * reason); only a file that cannot be read at all throws.
 */
export function parseFeedList(text: string, file: string): FeedList {
  let data: unknown = urlLines(text);
  try {
    data ??= yaml.load(text, { schema: yaml.CORE_SCHEMA, filename: file });
  } catch (error) {
    // One line: js-yaml's own message quotes the file with a caret under the spot.
    const reason =
      error instanceof yaml.YAMLException
        ? `${error.reason} (line ${error.mark.line + 1}, column ${error.mark.column + 1})`
        : String(error);
    throw new FeedListError(`${file} is not valid YAML: ${reason}`);
  }
  const shape = fileSchema.safeParse(data ?? []);
  if (!shape.success)
    throw new FeedListError(
      `${file} must be one feed URL a line, a YAML list of feeds, or a mapping with "feeds:" (a list) and an optional "out:" folder`,
    );
  const entries = Array.isArray(shape.data) ? shape.data : shape.data.feeds;
  const out = Array.isArray(shape.data) ? undefined : shape.data.out;

  const feeds: FeedEntry[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  entries.forEach((raw, index) => {
    const where = `${file}: feed ${index + 1}`;
    const parsed = parseEntry(raw);
    if (!parsed.ok) {
      problems.push(`${where} ${parsed.reason}`);
      return;
    }
    const { entry } = parsed;
    const url = entry.url.trim();
    if (!isHttpUrl(url)) {
      problems.push(`${where}: ${JSON.stringify(url.slice(0, 80))} is not an http(s) URL`);
      return;
    }
    if (seen.has(url)) {
      problems.push(`${where}: ${url} is listed twice; the first entry is used`);
      return;
    }
    seen.add(url);
    const topics = entry.topics?.map((topic) => topic.trim()).filter(Boolean);
    const provider = entry.provider?.trim();
    feeds.push({ url, ...(topics?.length ? { topics } : {}), ...(provider ? { provider } : {}) });
  });
  return {
    feeds,
    ...(out ? { outDir: path.resolve(path.dirname(file), out) } : {}),
    problems,
  };
}

export function readFeedList(file: string): FeedList {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new FeedListError(
      `${file} could not be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  return parseFeedList(text, file);
}
