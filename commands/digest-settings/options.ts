import { ChannelType } from 'discord.js';
import { z } from 'zod';
import { resolveTopics, unknownTopicsProblem } from '../../src/discord/digestCommands.ts';
import {
  problem,
  textOption,
  timeOption,
  timeZoneOption,
  UNRESOLVED,
  wholeNumberOption,
} from '../../src/discord/digestOptions.ts';
import type { Library } from '../../src/search/library.ts';
import { DELIVERY_MODES, type DeliveryMode } from '../../src/store/types.ts';
import { digestName } from '../../src/store/validation.ts';

/** Channels a message or a thread can start in. */
export const MESSAGE_CHANNEL_TYPES = [ChannelType.GuildText, ChannelType.GuildAnnouncement] as const;
/** Every channel a digest can post in: text and announcement channels, and forums (as posts). */
export const DIGEST_CHANNEL_TYPES = [...MESSAGE_CHANNEL_TYPES, ChannelType.GuildForum] as const;
export const DEFAULT_SIZE = 5;
const MAX_TOPICS = 25;

/** The options of the commands that save a digest, by name. */
export const SCHEDULE_OPTIONS = [
  'name',
  'rename',
  'channel',
  'time',
  'timezone',
  'size',
  'topics',
  'min_quality',
  'role',
  'delivery',
  'repeats',
];
export const SCHEDULE_RESOLVED = { channels: ['channel'], roles: ['role'] };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

export interface DigestChannel {
  id: string;
  forum: boolean;
}

const channelOption = z.unknown().transform((channel, ctx): DigestChannel | null => {
  if (channel === undefined) return null;
  if (!isObject(channel) || typeof channel.id !== 'string') {
    return problem(ctx, '`channel` must be a text, announcement or forum channel of this server.');
  }
  if (!(DIGEST_CHANNEL_TYPES as readonly unknown[]).includes(channel.type)) {
    return problem(
      ctx,
      `<#${channel.id}> is not a text, announcement or forum channel: choose another \`channel\`.`,
    );
  }
  return { id: channel.id, forum: channel.type === ChannelType.GuildForum };
});

const nameOption = (option: string) =>
  z.unknown().transform((value, ctx) => {
    if (value === undefined || value === null) return null;
    const parsed = digestName.safeParse(value);
    if (parsed.success) return parsed.data;
    return problem(ctx, `\`${option}\`: ${parsed.error.issues[0]?.message ?? 'not a valid name'}.`);
  });

/**
 * The options of `schedule`, `add` and `edit`, validated once: every problem becomes one line of the
 * reply. `required` makes channel, time and time zone required (a new digest); an edit takes any subset.
 */
export function digestOptionsSchema(library: Library, guildId: string, required: boolean) {
  const requiredOr = <T extends z.ZodType>(schema: T, optional: z.ZodType) => (required ? schema : optional);
  return z
    .object({
      name: nameOption('name'),
      rename: nameOption('rename'),
      channel: channelOption,
      time: requiredOr(timeOption, z.undefined().or(timeOption).nullish()),
      timezone: requiredOr(timeZoneOption, z.undefined().or(timeZoneOption).nullish()),
      size: wholeNumberOption('size', 1, 10).transform((size) => size ?? (required ? DEFAULT_SIZE : null)),
      min_quality: wholeNumberOption('min_quality', 0, 100).transform((quality) => quality ?? null),
      topics: textOption('topics').transform((text, ctx) => {
        if (text == null) return null;
        const names = text
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean);
        if (names.length > MAX_TOPICS) return problem(ctx, `\`topics\` takes at most ${MAX_TOPICS} topics.`);
        const resolved = resolveTopics(library, names);
        if (resolved.unknown.length) return problem(ctx, unknownTopicsProblem(resolved.unknown));
        return resolved.found.map((topic) => topic.name);
      }),
      role: z.unknown().transform((role, ctx) => {
        if (role === undefined) return null;
        if (role === UNRESOLVED || !isObject(role) || typeof role.id !== 'string') {
          return problem(ctx, '`role` must be a role of this server.');
        }
        if (role.id === guildId) {
          return problem(ctx, '`role` cannot be @everyone: choose a role whose members asked for the ping.');
        }
        return { id: role.id, name: String(role.name ?? ''), mentionable: role.mentionable === true };
      }),
      delivery: z
        .enum(DELIVERY_MODES, { error: '`delivery` must be message, thread or forum.' })
        .nullish()
        .transform((mode): DeliveryMode | null => mode ?? null),
      repeats: z.boolean({ error: '`repeats` must be true or false.' }).nullish(),
    })
    .superRefine((options, ctx) => {
      if (required && !options.channel) ctx.addIssue({ code: 'custom', message: '`channel` is required.' });
      const channel = options.channel;
      if (!channel || !options.delivery) return;
      if (channel.forum && options.delivery !== 'forum') {
        ctx.addIssue({
          code: 'custom',
          message: `<#${channel.id}> is a forum: a digest there is a forum post (\`delivery: forum\`).`,
        });
      }
      if (!channel.forum && options.delivery === 'forum') {
        ctx.addIssue({
          code: 'custom',
          message: `<#${channel.id}> is not a forum: \`delivery: forum\` needs a forum channel.`,
        });
      }
    });
}

export type DigestOptions = z.output<ReturnType<typeof digestOptionsSchema>>;

/** How a digest posts given the options and what it did before: a forum channel always takes posts. */
export function deliveryFor(options: DigestOptions, current: DeliveryMode | null): DeliveryMode {
  if (options.channel?.forum) return 'forum';
  if (options.delivery) return options.delivery;
  if (options.channel && current === 'forum') return 'message';
  return current ?? 'message';
}
