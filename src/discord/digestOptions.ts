/**
 * Slash-command options of the digest commands, validated with zod: each command declares one schema
 * over its raw options, and `parseOptions` turns every issue into a message the user can act on. Values
 * are read without trusting their type, so a forged payload gets a message, not a thrown TypeError.
 */
import type { AutocompleteInteraction, ChatInputCommandInteraction } from 'discord.js';
import { z } from 'zod';

import { formatHHMM, parseHHMM } from '../time/localTime.ts';
import { canonicalTimeZone } from '../time/zones.ts';
import { listProblems, quoteInput } from './digestCommands.ts';

type Interaction = ChatInputCommandInteraction | AutocompleteInteraction;

/** Marks an option that was sent but could not be resolved to a channel or role of this server. */
export const UNRESOLVED = Symbol('unresolved');

/** The named options as Discord sent them; channel and role options as their resolved objects. */
export function rawOptions(
  interaction: Interaction,
  names: readonly string[],
  resolved: { channels?: readonly string[]; roles?: readonly string[] } = {},
): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const name of names) {
    const option = interaction.options.get(name);
    if (!option) raw[name] = undefined;
    else if (resolved.channels?.includes(name)) raw[name] = option.channel ?? UNRESOLVED;
    else if (resolved.roles?.includes(name)) raw[name] = option.role ?? UNRESOLVED;
    else raw[name] = option.value;
  }
  return raw;
}

/** Adds the problem as an issue and marks the value invalid. */
export function problem(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

const named = (name: string) => `\`${name}\``;

/** Optional text: null when absent. */
export const textOption = (name: string) => z.string({ error: `${named(name)} must be text.` }).nullish();

/** An optional whole number in [min, max]: null when absent. */
export function wholeNumberOption(name: string, min: number, max: number) {
  const error = `${named(name)} must be a whole number from ${min} to ${max}.`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error }).nullish();
}

/** A required 24-hour time, in its stored `HH:MM` form. */
export const timeOption = textOption('time').transform((text, ctx) => {
  const parsed = text == null ? null : parseHHMM(text);
  if (parsed) return formatHHMM(parsed);
  const shown = text == null ? 'nothing' : quoteInput(text, 40);
  return problem(ctx, `\`time\` must be a 24-hour time written HH:MM, e.g. 08:30 (got ${shown}).`);
});

/** A required time zone, in its canonical IANA spelling. */
export const timeZoneOption = textOption('timezone').transform((text, ctx) => {
  const zone = text == null ? null : canonicalTimeZone(text.trim());
  if (zone) return zone;
  const shown = text == null ? 'nothing' : quoteInput(text);
  return problem(
    ctx,
    `\`timezone\` must be a time zone such as Europe/Berlin or America/New_York (got ${shown}); pick one from the list.`,
  );
});

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** The one place option problems become a reply: every problem, one bullet each, under `heading`. */
export function parseOptions<Schema extends z.ZodType>(
  schema: Schema,
  raw: Record<string, unknown>,
  heading: string,
): Parsed<z.output<Schema>> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const problems = [...new Set(result.error.issues.map((issue) => issue.message))];
  return { ok: false, message: listProblems(heading, problems) };
}
