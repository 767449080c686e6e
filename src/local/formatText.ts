import type { Recommendation } from '../search/types.ts';
import { HELP_TEXT, type LocalOutcome } from './localCommands.ts';
import { terminalNotices } from './terminalIdiom.ts';
import { wrapText } from './wrap.ts';

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
  if ('error' in outcome) return JSON.stringify({ command: outcome.command, error: outcome.error });
  if ('text' in outcome) return JSON.stringify({ command: outcome.command, text: outcome.text });
  if (!('result' in outcome)) return JSON.stringify({ command: 'quit' });
  const { command, result } = outcome;
  switch (result.kind) {
    case 'results': {
      const notices = [...(outcome.hint ? [outcome.hint] : []), ...terminalNotices(result.notices)];
      return JSON.stringify({
        command,
        ...(notices.length ? { notice: notices.join(' ') } : {}),
        results: result.items.map(resultToJson),
      });
    }
    case 'topics':
      return JSON.stringify({ command, results: result.topics.map(({ name, count }) => ({ name, count })) });
    case 'help':
      return JSON.stringify({ command, text: HELP_TEXT });
  }
}

function excerptLine(text: string, max = 160): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length > max ? clean.slice(0, clean.lastIndexOf(' ', max - 1)) + '…' : clean;
}

/** Readable terminal text showing what the Discord embed would show. */
export function outcomeToText(outcome: LocalOutcome, color = false, width: number | null = null): string {
  return wrapText(describeOutcome(outcome, color), width);
}

function describeOutcome(outcome: LocalOutcome, color: boolean): string {
  const bold = (text: string) => (color ? `\x1b[1m${text}\x1b[22m` : text);
  const dim = (text: string) => (color ? `\x1b[2m${text}\x1b[22m` : text);
  if ('error' in outcome) return `✖ ${outcome.error}`;
  if ('text' in outcome) return outcome.text;
  if (!('result' in outcome)) return '';
  const { result } = outcome;
  if (result.kind === 'help') return HELP_TEXT;
  if (result.kind === 'topics') {
    if (!result.topics.length) return 'No topics yet.';
    return result.topics.map((topic) => `${topic.name} (${topic.count})`).join('\n');
  }
  const lines: string[] = [];
  if (outcome.hint) lines.push(dim(outcome.hint));
  const notices = terminalNotices(result.notices);
  if (result.verb !== 'related' || result.about) lines.push(bold(result.title));
  for (const notice of notices) lines.push(dim(notice));
  result.items.forEach((item, i) => {
    const json = resultToJson(item);
    lines.push('');
    lines.push(`${i + 1}. ${bold(json.title)}`);
    const meta = [
      json.provider,
      publishedDate(item.kind === 'article' ? item.article.publishedAt : item.link.publishedAt),
    ];
    if (json.heat !== null) meta.push(`heat ${json.heat.toLocaleString('en-US')}`);
    lines.push(`   ${meta.filter(Boolean).join(' · ')}`);
    const excerpt = item.kind === 'article' ? item.article.excerpt : (item.link.excerpt ?? '');
    if (excerpt) lines.push(`   ${excerptLine(excerpt)}`);
    if (json.topics.length) lines.push(`   Topics: ${json.topics.join(', ')}`);
    lines.push(`   Why: ${json.why}`);
    lines.push(`   ${json.webUrl}${json.id ? dim(`  (id ${json.id})`) : ''}`);
  });
  if (!result.items.length && !notices.length) lines.push('Nothing found.');
  return lines.join('\n');
}
