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

export const DIGEST_CHANNEL_TYPES = [ChannelType.GuildText, ChannelType.GuildAnnouncement] as const;
export const DEFAULT_SIZE = 5;
const MAX_TOPICS = 25;

/** The options of `/digest-settings schedule`, by name. */
export const SCHEDULE_OPTIONS = ['channel', 'time', 'timezone', 'size', 'topics', 'min_quality', 'role'];
export const SCHEDULE_RESOLVED = { channels: ['channel'], roles: ['role'] };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** `/digest-settings schedule`, validated once: every problem becomes one line of the reply. */
export function scheduleOptionsSchema(library: Library, guildId: string) {
  return z.object({
    channel: z.unknown().transform((channel, ctx) => {
      if (!isObject(channel) || typeof channel.id !== 'string') {
        return problem(ctx, '`channel` must be a text or announcement channel of this server.');
      }
      if (!(DIGEST_CHANNEL_TYPES as readonly unknown[]).includes(channel.type)) {
        return problem(
          ctx,
          `<#${channel.id}> is not a text or announcement channel: choose another \`channel\`.`,
        );
      }
      return channel.id;
    }),
    time: timeOption,
    timezone: timeZoneOption,
    size: wholeNumberOption('size', 1, 10).transform((size) => size ?? DEFAULT_SIZE),
    min_quality: wholeNumberOption('min_quality', 0, 100).transform((quality) => quality ?? null),
    topics: textOption('topics').transform((text, ctx) => {
      if (text == null) return [];
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
  });
}
