import type { APIApplicationCommandOptionChoice } from 'discord.js';
import type { Article } from '../articles/article.ts';
import { topicKey } from '../articles/normalize.ts';
import type { Library } from '../search/library.ts';
import { formatLocal } from '../time/localTime.ts';
import { searchTimeZones } from '../time/zones.ts';
import type { CommandContext, Responder } from './command.ts';
import type { DigestService } from './digestService.ts';
import { LIMITS, truncate } from './limits.ts';
import { escapeText, renderNotice } from './render.ts';

export const NOT_AVAILABLE =
  'Digests are not available in this mode: the bot is running without its database.';

/** Every digest command answers privately: settings and subscriptions are nobody else's business. */
export function replyPrivately(respond: Responder, text: string): Promise<void> {
  return respond.send(renderNotice(text), { ephemeral: true });
}

/** The digest service, or null after telling the user digests are off (local mode, tests without a database). */
export async function digestServiceOrExplain(
  context: CommandContext,
  respond: Responder,
): Promise<DigestService | null> {
  if (context.digest) return context.digest;
  await replyPrivately(respond, NOT_AVAILABLE);
  return null;
}

/** What the user typed, shown as inline code: markdown does not apply there, so nothing is escaped. */
export function quoteInput(text: string, max = 60): string {
  return `\`${truncate(text.replace(/\s+/g, ' ').replace(/`/g, "'"), max)}\``;
}

/** A bulleted list of problems under a heading (`Nothing was saved:`). */
export function listProblems(heading: string, problems: readonly string[]): string {
  return `${heading}\n${problems.map((problem) => `• ${problem}`).join('\n')}`;
}

export interface ResolvedTopics {
  found: { key: string; name: string }[];
  unknown: { typed: string; guess?: string }[];
}

/**
 * Topic names as the user typed them. Only exact names count: a stored schedule must not quietly follow
 * a guess. The closest topic is offered for the ones that did not match.
 */
export function resolveTopics(library: Library, names: readonly string[]): ResolvedTopics {
  const result: ResolvedTopics = { found: [], unknown: [] };
  const seen = new Set<string>();
  for (const typed of names) {
    const resolved = library.resolveTopic(typed);
    if (resolved && resolved.key === topicKey(typed)) {
      if (!seen.has(resolved.key)) result.found.push({ key: resolved.key, name: resolved.name });
      seen.add(resolved.key);
    } else {
      result.unknown.push(resolved ? { typed, guess: resolved.name } : { typed });
    }
  }
  return result;
}

export function unknownTopicsProblem(unknown: ResolvedTopics['unknown']): string {
  const list = unknown
    .map(({ typed, guess }) => `${quoteInput(typed)}${guess ? ` (did you mean ${escapeText(guess)}?)` : ''}`)
    .join(', ');
  const noun = unknown.length === 1 ? 'There is no topic' : 'There are no topics';
  return `${noun} ${list}. \`/topics\` lists every topic.`;
}

export function timeZoneChoices(typed: string): APIApplicationCommandOptionChoice<string>[] {
  return searchTimeZones(typed, LIMITS.autocompleteChoices)
    .filter((zone) => zone.length <= LIMITS.choiceText)
    .map((zone) => ({ name: zone, value: zone }));
}

/** A local date-time with Discord's relative timestamp: `Mon 2 Jun 2025, 09:00 CEST (in 3 hours)`. */
export function describeInstant(ms: number, timeZone: string): string {
  return `${formatLocal(ms, timeZone)} (<t:${Math.floor(ms / 1000)}:R>)`;
}

/** A numbered list of article titles for a plain-text reply. */
export function articleLines(articles: readonly Article[]): string[] {
  return articles.map(
    (article, i) => `${i + 1}. ${escapeText(article.title, 120)} · ${escapeText(article.provider.name, 40)}`,
  );
}

/** Lines joined for one message, cut at a line boundary (with a note) when they would not fit. */
export function fitLines(lines: readonly string[], max: number = LIMITS.content): string {
  const note = '… (shortened: name one digest to see all of it)';
  let text = '';
  for (const line of lines) {
    const next = text ? `${text}\n${line}` : line;
    if (next.length > max - note.length - 1) return `${text}\n${note}`;
    text = next;
  }
  return text;
}
