/**
 * The baseline: plain lunr 2.3.9 with default settings, used the way a first version of the bot would.
 * User text goes to `idx.search` after the minimal escaping needed for it not to throw; everything else
 * (stop words, stemming, wildcards, "match everything" for empty input) is lunr's default behaviour.
 */
import fs from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import lunr from 'lunr';

export interface BaselineDoc {
  id: string;
  title: string;
  excerpt: string;
  topics: string[];
  body: string;
  published: boolean;
}

/** Default lunr index over title, excerpt, topics (an array field: one token per topic) and body. */
export function buildLunrIndex(docs: readonly BaselineDoc[]): lunr.Index {
  return lunr(function () {
    this.ref('id');
    this.field('title');
    this.field('excerpt');
    this.field('topics');
    this.field('body');
    for (const doc of docs) this.add(doc);
  });
}

/**
 * Backslash-escapes what makes lunr's query parser throw: `:` `^` `~` `\\` anywhere, and `+` / `-` where lunr
 * reads them as presence operators (at the start of a term: after the start, a space or another `+`/`-`).
 * A hyphen inside a word stays a word separator, as lunr's tokenizer treats it at index time.
 * `*` is left alone (it never throws; it expands), so `*` and `mach*` keep lunr's wildcard behaviour.
 */
export function escapeLunrQuery(text: string): string {
  let out = '';
  let prev = '';
  for (const ch of text) {
    const operatorPosition = prev === '' || /\s/.test(prev) || prev === '+' || prev === '-';
    if (ch === ':' || ch === '^' || ch === '~' || ch === '\\') out += `\\${ch}`;
    else if ((ch === '+' || ch === '-') && operatorPosition) out += `\\${ch}`;
    else out += ch;
    prev = ch;
  }
  return out;
}

export interface BaselineResult {
  refs: string[];
  /** Every match lunr returned (it has no top-k). */
  total: number;
  error?: string;
}

export function lunrSearch(idx: lunr.Index, text: string): BaselineResult {
  try {
    const hits = idx.search(escapeLunrQuery(text));
    return { refs: hits.map((h) => h.ref), total: hits.length };
  } catch (error) {
    return { refs: [], total: 0, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Autocomplete the lunr way: a trailing-wildcard term, skipping the pipeline (wildcards do). */
export function lunrPrefix(idx: lunr.Index, prefix: string): BaselineResult {
  const term = prefix.toLowerCase().trim();
  if (!term) return { refs: [], total: 0 };
  const hits = idx.query((q) => {
    q.term(term, { wildcard: lunr.Query.wildcard.TRAILING, usePipeline: false });
  });
  return { refs: hits.map((h) => h.ref), total: hits.length };
}

/** More-like-this: the words of the article's title and topics OR'ed, the article itself left out. */
export function lunrMoreLikeThis(
  idx: lunr.Index,
  doc: Pick<BaselineDoc, 'id' | 'title' | 'topics'>,
): BaselineResult {
  const tokens = lunr.tokenizer(`${doc.title} ${doc.topics.join(' ')}`).map((t) => t.toString());
  const unique = [...new Set(tokens)].filter((t) => t.length > 0);
  if (unique.length === 0) return { refs: [], total: 0 };
  const hits = idx.query((q) => {
    for (const t of unique) q.term(t, {});
  });
  const refs = hits.map((h) => h.ref).filter((ref) => ref !== doc.id);
  return { refs, total: refs.length };
}

// ---------------------------------------------------------------- naive loading and caching

function asString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Reads every .md file with gray-matter (with an options object, so without its content cache) and maps
 * the front matter to documents without validation. Ids are the file names.
 */
export function loadBaselineDocs(dir: string): BaselineDoc[] {
  const docs: BaselineDoc[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.endsWith('.md')) continue;
    const parsed = matter(fs.readFileSync(path.join(dir, name), 'utf8'), {});
    const data = parsed.data as Record<string, unknown>;
    docs.push({
      id: name,
      title: asString(data.title),
      excerpt: asString(data.excerpt),
      topics: Array.isArray(data.topics) ? data.topics.map((t) => String(t)) : [],
      body: parsed.content,
      published: data.published !== false,
    });
  }
  return docs;
}

/** Saves index and documents as one JSON file (the obvious lunr cache). */
export function saveLunrCache(file: string, idx: lunr.Index, docs: readonly BaselineDoc[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ index: idx, docs }));
}

export function loadLunrCache(file: string): { idx: lunr.Index; docs: BaselineDoc[] } {
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { index: object; docs: BaselineDoc[] };
  return { idx: lunr.Index.load(saved.index), docs: saved.docs };
}
