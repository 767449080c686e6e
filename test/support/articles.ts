import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Article } from '../../src/articles/article.ts';
import { parseArticle } from '../../src/articles/parseArticle.ts';

export interface FixtureArticle {
  title: string;
  webUrl?: string;
  excerpt?: string;
  published?: boolean;
  heat?: number;
  quality?: number;
  date?: string;
  provider?: string;
  topics?: string[];
  related?: Array<{ title: string; webUrl: string }>;
  body?: string;
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'article'
  );
}

/** Front matter in the corpus format (../shared/corpus/README.md), YAML strings quoted. */
export function articleFile(fixture: FixtureArticle): string {
  const q = (value: string) => JSON.stringify(value);
  const lines = ['---', 'category: news', `title: ${q(fixture.title)}`];
  if (fixture.excerpt !== undefined) lines.push(`excerpt: ${q(fixture.excerpt)}`);
  lines.push(`publishedDateTime: ${fixture.date ?? '2021-10-19T13:40:00Z'}`);
  lines.push(`webUrl: ${q(fixture.webUrl ?? `https://example.com/news/${slug(fixture.title)}`)}`);
  lines.push('type: article');
  if (fixture.quality !== undefined) lines.push(`quality: ${fixture.quality}`);
  lines.push(`heat: ${fixture.heat ?? 10}`);
  if (fixture.published !== undefined) lines.push(`published: ${fixture.published}`);
  const provider = fixture.provider ?? 'Example News';
  lines.push('', 'provider:', `  name: ${q(provider)}`, `  domain: ${slug(provider)}.com`);
  if (fixture.topics?.length) lines.push('', 'topics:', ...fixture.topics.map((topic) => `  - ${q(topic)}`));
  if (fixture.related?.length) {
    lines.push('', 'related:');
    for (const entry of fixture.related)
      lines.push(`  - title: ${q(entry.title)}`, `    webUrl: ${q(entry.webUrl)}`);
  }
  lines.push('---', '', fixture.body ?? '');
  return lines.join('\n');
}

/** Parse fixtures straight to articles (no disk): for engine tests. */
export function makeArticles(fixtures: FixtureArticle[]): Article[] {
  return fixtures.map((fixture, i) => {
    const outcome = parseArticle(articleFile(fixture), `${i}-${slug(fixture.title)}.md`);
    if (!outcome.ok) throw new Error(`fixture ${i} is invalid: ${outcome.reason}`);
    return outcome.article;
  });
}

export function tempDir(prefix = 'broadsheet-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Write files (name → content) into a fresh temp folder; returns the folder. */
export function writeCorpus(files: Record<string, string>, dir = tempDir()): string {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}
