import type { ChatInputCommandInteraction } from 'discord.js';
import { escapeText } from '../../src/discord/render.ts';
import type { DigestTargetRef, GuildDigestSettings } from '../../src/store/types.ts';

export type GuildInteraction = ChatInputCommandInteraction<'cached' | 'raw'>;

export const NO_DIGEST = 'This server has no digest yet. Set one up with `/digest-settings schedule`.';

export function guildRef(interaction: GuildInteraction): DigestTargetRef {
  return { kind: 'guild', guildId: interaction.guildId };
}

/** `Topics: Science · minimum quality: none · mentions: @news` */
export function settingsLine(settings: GuildDigestSettings): string {
  const topics = settings.topics.length
    ? settings.topics.map((topic) => escapeText(topic)).join(', ')
    : 'all';
  return [
    `Topics: ${topics}`,
    `minimum quality: ${settings.minQuality ?? 'none'}`,
    `mentions: ${settings.mentionRoleId ? `<@&${settings.mentionRoleId}>` : 'nobody'}`,
  ].join(' · ');
}
