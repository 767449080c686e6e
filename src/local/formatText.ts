import type { Recommendation } from '../search/types.ts';
import type { LocalOutcome } from './localCommands.ts';

function publishedDate(ms: number | null | undefined): string | null {
  return ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : null;
}

/** The fields of a result as the JSON output documents them. */
export function resultToJson(result: Recommendation) {
  if (result.kind === 'link') {
    const link = result.link;
    return {
      id: null,
      title: link.title,
      webUrl: link.webUrl,
      provider: link.providerName ?? null,
      publishedDateTime: link.publishedAt ? new Date(link.publishedAt).toISOString() : null,
      topics: [],
      heat: null,
      why: result.why,
    };
  }
  const article = result.article;
  return {
    id: article.id,
    title: article.title,
    webUrl: article.webUrl,
    provider: article.provider.name,
    publishedDateTime: article.publishedAt ? new Date(article.publishedAt).toISOString() : null,
    topics: article.topics,
    heat: article.heat,
    why: result.why,
  };
}

export function outcomeToJson(outcome: LocalOutcome): string {
  if ('results' in outcome) {
    return JSON.stringify({
      command: outcome.command,
      ...(outcome.notice ? { notice: outcome.notice } : {}),
      results: outcome.results.map(resultToJson),
    });
  }
  if ('topics' in outcome) {
    return JSON.stringify({
      command: outcome.command,
      results: outcome.topics.map(({ name, count }) => ({ name, count })),
    });
  }
  if ('text' in outcome) return JSON.stringify({ command: outcome.command, text: outcome.text });
  if ('error' in outcome) return JSON.stringify({ command: outcome.command, error: outcome.error });
  return JSON.stringify({ command: 'quit' });
}

function excerptLine(text: string, max = 160): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length > max ? clean.slice(0, clean.lastIndexOf(' ', max - 1)) + '…' : clean;
}

/** Readable terminal text showing what the Discord embed would show. */
export function outcomeToText(outcome: LocalOutcome, color = false): string {
  const bold = (text: string) => (color ? `\x1b[1m${text}\x1b[22m` : text);
  const dim = (text: string) => (color ? `\x1b[2m${text}\x1b[22m` : text);
  if ('error' in outcome) return `✖ ${outcome.error}`;
  if ('text' in outcome) return outcome.text;
  if ('topics' in outcome) {
    if (!outcome.topics.length) return 'No topics yet.';
    return outcome.topics.map((topic) => `${topic.name} (${topic.count})`).join('\n');
  }
  if (!('results' in outcome)) return '';
  const lines: string[] = [];
  if (outcome.title) lines.push(bold(outcome.title));
  if (outcome.notice) lines.push(dim(outcome.notice));
  outcome.results.forEach((result, i) => {
    const json = resultToJson(result);
    lines.push('');
    lines.push(`${i + 1}. ${bold(json.title)}`);
    const meta = [
      json.provider,
      publishedDate(result.kind === 'article' ? result.article.publishedAt : result.link.publishedAt),
    ];
    if (json.heat !== null) meta.push(`heat ${json.heat.toLocaleString('en-US')}`);
    lines.push(`   ${meta.filter(Boolean).join(' · ')}`);
    const excerpt = result.kind === 'article' ? result.article.excerpt : (result.link.excerpt ?? '');
    if (excerpt) lines.push(`   ${excerptLine(excerpt)}`);
    if (json.topics.length) lines.push(`   Topics: ${json.topics.join(', ')}`);
    lines.push(`   Why: ${json.why}`);
    lines.push(`   ${json.webUrl}${json.id ? dim(`  (id ${json.id})`) : ''}`);
  });
  if (!outcome.results.length && !outcome.notice) lines.push('Nothing found.');
  return lines.join('\n');
}
