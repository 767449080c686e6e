import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCorpus } from '../src/articles/loadCorpus.ts';
import { parseArticle } from '../src/articles/parseArticle.ts';
import { articleFile, tempDir, writeCorpus } from './support/articles.ts';

const valid = articleFile({
  title: 'Deep learning improves interpretation of tumors',
  topics: ['Machine Learning'],
});

function reasonFor(source: string): string {
  const outcome = parseArticle(source, 'x.md');
  if (outcome.ok) throw new Error('expected a rejection');
  return outcome.reason;
}

describe('parseArticle', () => {
  it('GIVEN an article in the full corpus format THEN every field is read', () => {
    const source = fs.readFileSync(path.join('test', 'fixtures', 'reference-article.txt'), 'utf8');
    const outcome = parseArticle(source, 'seed.txt');
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const article = outcome.article;
    expect(article.title).toBe('Deep learning speeds up reading of tumor scans');
    expect(article.provider).toEqual({ name: 'Imaging Lab News', domain: 'imaging-lab.example.com' });
    expect(article.topics).toEqual(['Machine Learning', 'AI']);
    expect(article.topicKeys).toEqual(['machine learning', 'ai']);
    expect(article.publishedAt).toBe(Date.parse('2021-10-19T13:40:00Z'));
    expect(article.heat).toBe(79);
    expect(article.quality).toBe(59);
    expect(article.published).toBe(true);
    expect(article.related).toHaveLength(2);
    expect(article.images[0]?.url).toMatch(/^https:/);
    expect(article.id).toMatch(/^[\w-]{8}$/);
    expect(JSON.stringify(article)).not.toContain('secured');
  });

  it('GIVEN the same URL with www, a fragment or utm parameters THEN the id is the same', () => {
    const id = (url: string) => {
      const outcome = parseArticle(articleFile({ title: 'T', webUrl: url }), 'a.md');
      return outcome.ok ? outcome.article.id : null;
    };
    expect(id('https://www.example.com/a/?utm_source=x#top')).toBe(id('https://example.com/a'));
    expect(id('https://example.com/a')).not.toBe(id('https://example.com/b'));
  });

  it.each([
    ['---js', 'javascript'],
    ['---javascript', 'javascript'],
    ['---JS', 'javascript'],
    ['--- js', 'space'],
    ['---coffee', 'coffee'],
  ])('GIVEN front matter opened with %s (LF, CRLF, BOM) THEN it is rejected and nothing runs', (fence) => {
    const payload = `${fence}\n{ title: (globalThis.__pwned = 1, "x"), webUrl: "https://e.com" }\n---\n`;
    for (const variant of [payload, payload.replace(/\n/g, '\r\n'), '\uFEFF' + payload]) {
      expect(reasonFor(variant)).toMatch(/first line must be exactly "---"/);
    }
    expect((globalThis as Record<string, unknown>).__pwned).toBeUndefined();
  });

  it('GIVEN CRLF line endings or a BOM on a valid file THEN it loads', () => {
    expect(parseArticle(valid.replace(/\n/g, '\r\n'), 'a.md').ok).toBe(true);
    expect(parseArticle('\uFEFF' + valid, 'a.md').ok).toBe(true);
  });

  it('GIVEN a !!js/function tag THEN the file is rejected as invalid YAML', () => {
    const source = valid.replace('category: news', 'category: !!js/function "function () { return 1 }"');
    expect(reasonFor(source)).toMatch(/not valid YAML/);
  });

  it('GIVEN a YAML alias bomb THEN it is rejected quickly without expanding', () => {
    const bomb = [
      '---',
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
      'title: *g',
      'topics: *g',
      'webUrl: "https://example.com/x"',
      'provider: { name: *g }',
      '---',
    ].join('\n');
    const started = performance.now();
    expect(reasonFor(bomb)).toMatch(/title/);
    expect(performance.now() - started).toBeLessThan(2000); // guards against exponential expansion, not a benchmark
  });

  it('GIVEN deeply nested front matter THEN it is rejected with a reason, not a crash', () => {
    const deep = `---\ntitle: x\nwebUrl: "https://e.com"\nnested: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n---\n`;
    const outcome = parseArticle(deep, 'deep.md');
    if (!outcome.ok) expect(outcome.reason).toMatch(/nested too deeply|not valid YAML/);
  });

  it('GIVEN a __proto__ key THEN it is inert', () => {
    const source = valid.replace('category: news', '__proto__:\n  polluted: true\nprovider2: x');
    parseArticle(source, 'a.md');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    [articleFile({ title: 'No URL', webUrl: 'not a url' }), /webUrl .* is not an absolute http\(s\) URL/],
    [articleFile({ title: 'FTP', webUrl: 'ftp://example.com/a' }), /http\(s\)/],
    [articleFile({ title: 'x', date: 'yesterday' }), /publishedDateTime is not a date/],
    [valid.replace(/title: .*/, 'title: ""'), /title is empty/],
    ['title: no fence\n', /first line/],
    ['---\n- a\n- b\n---\n', /not a mapping/],
    ['---\ntitle: [unclosed\n---\n', /not valid YAML/],
  ])('GIVEN a broken file THEN the reason says what to fix (%#)', (source, reason) => {
    expect(reasonFor(source)).toMatch(reason);
  });

  it('GIVEN a negative heat THEN heat is unknown; published: false is kept but marked', () => {
    const outcome = parseArticle(articleFile({ title: 'Cold', heat: -1, published: false }), 'a.md');
    expect(outcome.ok && outcome.article.heat).toBeNull();
    expect(outcome.ok && outcome.article.published).toBe(false);
  });

  it('GIVEN topics differing in case and spacing THEN they are one topic with a display form', () => {
    const outcome = parseArticle(
      articleFile({ title: 'T', topics: ['Machine  Learning', 'machine learning', 'AI'] }),
      'a.md',
    );
    expect(outcome.ok && outcome.article.topics).toEqual(['Machine Learning', 'AI']);
  });
});

describe('loadCorpus', () => {
  it('GIVEN one broken file among good ones THEN the rest load and the problem names the file', () => {
    const dir = writeCorpus({
      'good.md': articleFile({ title: 'Good one' }),
      'nested/also-good.markdown': articleFile({ title: 'Also good' }),
      'plain.txt': articleFile({ title: 'Plain text article' }),
      'broken.md': '---\ntitle: [oops\n---\n',
      'ignored.json': '{}',
    });
    const { articles, problems } = loadCorpus(dir);
    expect(articles.map((article) => article.title).sort()).toEqual([
      'Also good',
      'Good one',
      'Plain text article',
    ]);
    expect(problems).toEqual([expect.objectContaining({ path: 'broken.md', severity: 'rejected' })]);
  });

  it('GIVEN a file over the size cap THEN it is rejected with its size', () => {
    const dir = writeCorpus({ 'big.md': articleFile({ title: 'Big', body: 'x'.repeat(5000) }) });
    const { problems } = loadCorpus(dir, { maxFileBytes: 2048 });
    expect(problems[0]?.reason).toMatch(/over the 2 KiB limit/);
  });

  it('GIVEN two files with one URL THEN they become one article with both topics, reported', () => {
    const dir = writeCorpus({
      'a.md': articleFile({ title: 'Same story', webUrl: 'https://example.com/s', topics: ['AI'] }),
      'b.md': articleFile({
        title: 'Same story again',
        webUrl: 'https://www.example.com/s/',
        topics: ['Robotics'],
      }),
    });
    const { articles, problems } = loadCorpus(dir);
    expect(articles).toHaveLength(1);
    expect(articles[0]?.topics).toEqual(['AI', 'Robotics']);
    expect(problems[0]).toMatchObject({ path: 'b.md', severity: 'warning' });
    expect(problems[0]?.reason).toMatch(/same URL as a\.md/);
  });

  it('GIVEN two files with one URL THEN they merge field by field and the clean link is the one shown', () => {
    const dir = writeCorpus({
      'a.md': articleFile({
        title: 'Same story',
        webUrl: 'https://example.com/s?utm_source=feed#top',
        date: '2021-10-18T10:00:00Z',
        heat: 300,
        body: 'Short.',
      }),
      'b.md': articleFile({
        title: 'Same story, updated',
        webUrl: 'https://example.com/s',
        date: '2021-10-19T10:00:00Z',
        heat: 20,
        quality: 70,
        body: 'A much longer body that says more about the story.',
      }),
    });
    const { articles, problems } = loadCorpus(dir);
    expect(articles).toHaveLength(1);
    expect(articles[0]).toMatchObject({
      title: 'Same story, updated',
      publishedAt: Date.parse('2021-10-19T10:00:00Z'),
      heat: 300,
      quality: 70,
      body: 'A much longer body that says more about the story.',
      webUrl: 'https://example.com/s',
    });
    expect(problems[0]?.reason).toMatch(
      /same URL as a\.md; merged field by field \(date, title, quality, body, link from this file\)/,
    );
  });

  it('GIVEN a README in the corpus folder THEN it is not read as an article', () => {
    const dir = writeCorpus({
      'README.md': '# My corpus\n',
      'docs/readme.txt': 'notes',
      'a.md': articleFile({ title: 'Fine' }),
    });
    const { articles, problems } = loadCorpus(dir);
    expect(articles.map((article) => article.title)).toEqual(['Fine']);
    expect(problems).toEqual([]);
  });

  it('GIVEN a parse cache THEN an unchanged corpus is read from it and a changed file is parsed again', () => {
    const dir = writeCorpus({
      'a.md': articleFile({ title: 'First' }),
      'b.md': articleFile({ title: 'Second' }),
    });
    const cacheDir = tempDir();
    const first = loadCorpus(dir, { cacheDir });
    expect(first.stats).toMatchObject({ parsed: 2, fromCache: 0 });
    const again = loadCorpus(dir, { cacheDir });
    expect(again.stats).toMatchObject({ parsed: 0, fromCache: 2 });
    expect(again.fingerprint).toBe(first.fingerprint);
    fs.writeFileSync(path.join(dir, 'b.md'), articleFile({ title: 'Second, edited and longer' }));
    const edited = loadCorpus(dir, { cacheDir });
    expect(edited.stats).toMatchObject({ parsed: 1, fromCache: 1 });
    expect(edited.fingerprint).not.toBe(first.fingerprint);
    expect(edited.articles.map((article) => article.title)).toContain('Second, edited and longer');
  });
});

describe('related lists read on demand', () => {
  it('GIVEN related: skip THEN the block is not parsed but counted, and the rest of the file is intact', () => {
    const source = [
      '---',
      'title: "Story"',
      'webUrl: "https://example.com/s"',
      'related:',
      '  - title: "One"',
      '    webUrl: "https://a.example/1"',
      '  - title: "Two: with a colon"',
      '    webUrl: "https://a.example/2"',
      '    provider:',
      '      name: A',
      'topics:',
      '  - AI',
      '---',
      'Body text.',
    ].join('\n');
    const skipped = parseArticle(source, 's.md', { related: 'skip' });
    expect(skipped.ok && skipped.article).toMatchObject({
      related: [],
      relatedCount: 2,
      topics: ['AI'],
      body: 'Body text.',
    });
    const full = parseArticle(source, 's.md');
    expect(full.ok && full.article.related.map((link) => link.title)).toEqual(['One', 'Two: with a colon']);
  });

  it('GIVEN a broken related block THEN skipping loads the article and the full check still rejects it', () => {
    const source = [
      '---',
      'title: "Story"',
      'webUrl: "https://example.com/s"',
      'related: [unclosed',
      '---',
      '',
    ].join('\n');
    expect(parseArticle(source, 's.md', { related: 'skip' }).ok).toBe(true);
    expect(parseArticle(source, 's.md').ok).toBe(false);
  });
});
