import type {
  APIApplicationCommandOptionChoice,
  AutocompleteInteraction,
  ChatInputCommandInteraction,
} from 'discord.js';
import type { Article } from '../articles/article.ts';
import { topicKey } from '../articles/normalize.ts';
import { DAY_MS, formatHHMM, formatLocal, parseHHMM } from '../time/localTime.ts';
import { canonicalTimeZone, searchTimeZones } from '../time/zones.ts';
import type { Library } from '../search/library.ts';
import type { DigestQuery } from '../search/types.ts';
import type { GuildDigestSettings } from '../store/types.ts';
import type { CommandContext, Responder } from './command.ts';
import { DIGEST_MAX_WINDOW_MS, type DigestService } from './digestService.ts';
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

type Interaction = ChatInputCommandInteraction | AutocompleteInteraction;

/** What the user typed, shown as inline code: markdown does not apply there, so nothing is escaped. */
export function quoteInput(text: string, max = 60): string {
  return `\`${truncate(text.replace(/\s+/g, ' ').replace(/`/g, "'"), max)}\``;
}

/** A value checked like any user input: the value, or a message naming the problem. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** An option read without trusting its type: a forged payload gets a message, not a thrown TypeError. */
export function readString(interaction: Interaction, name: string): Checked<string | null> {
  const value = interaction.options.get(name)?.value;
  if (value === undefined || value === null) return { ok: true, value: null };
  if (typeof value !== 'string') return { ok: false, problem: `\`${name}\` must be text.` };
  return { ok: true, value };
}

export function readInteger(
  interaction: Interaction,
  name: string,
  min: number,
  max: number,
): Checked<number | null> {
  const value = interaction.options.get(name)?.value;
  if (value === undefined || value === null) return { ok: true, value: null };
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return { ok: false, problem: `\`${name}\` must be a whole number from ${min} to ${max}.` };
  }
  return { ok: true, value };
}

/** `HH:MM` in its stored form, or a message naming the problem. */
export function readTime(text: string | null): Checked<string> {
  const parsed = text === null ? null : parseHHMM(text);
  if (!parsed) {
    const shown = text === null ? 'nothing' : quoteInput(text, 40);
    return {
      ok: false,
      problem: `\`time\` must be a 24-hour time written HH:MM, e.g. 08:30 (got ${shown}).`,
    };
  }
  return { ok: true, value: formatHHMM(parsed) };
}

/** The canonical IANA zone, or a message naming the problem. */
export function readTimeZone(text: string | null): Checked<string> {
  const zone = text === null ? null : canonicalTimeZone(text.trim());
  if (!zone) {
    const shown = text === null ? 'nothing' : quoteInput(text);
    return {
      ok: false,
      problem: `\`timezone\` must be a time zone such as Europe/Berlin or America/New_York (got ${shown}); pick one from the list.`,
    };
  }
  return { ok: true, value: zone };
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
      if (!seen.has(resolved.key)) result.found.push(resolved);
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

/** What the server's digest would post if it ran now: the runner's query, without posting or recording. */
export async function previewGuildDigest(
  service: DigestService,
  settings: GuildDigestSettings,
): Promise<Article[]> {
  const now = service.now();
  const history = await service.store.sentArticles({ kind: 'guild', guildId: settings.guildId });
  const since = Math.max(settings.lastDigestAt ?? now - DAY_MS, now - DIGEST_MAX_WINDOW_MS);
  const query: DigestQuery = {
    since: Math.min(since, now),
    until: now,
    limit: settings.size,
    topics: settings.topics,
    excludeIds: history.articleIds,
    excludeStories: history.storyIds,
  };
  if (settings.minQuality !== null) query.minQuality = settings.minQuality;
  return service.library().selectDigest(query);
}

/** A numbered list of article titles for a plain-text reply. */
export function articleLines(articles: readonly Article[]): string[] {
  return articles.map(
    (article, i) => `${i + 1}. ${escapeText(article.title, 120)} · ${escapeText(article.provider.name, 40)}`,
  );
}
