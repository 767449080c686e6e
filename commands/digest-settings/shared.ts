import type { ChatInputCommandInteraction } from 'discord.js';
import type { DigestService } from '../../src/discord/digestService.ts';
import { DELIVERY_WORDS } from '../../src/discord/digestPermissions.ts';
import { escapeText } from '../../src/discord/render.ts';
import { refOf, type DigestTargetRef, type GuildDigestSettings } from '../../src/store/types.ts';

export type GuildInteraction = ChatInputCommandInteraction<'cached' | 'raw'>;

export const NO_DIGEST = 'This server has no digest yet. Set one up with `/digest-settings add`.';

/** The server's first digest (slot 1), the one commands without a `name` meant before there were several. */
export function guildRef(interaction: GuildInteraction): DigestTargetRef {
  return { kind: 'guild', guildId: interaction.guildId };
}

export { refOf };

/** `**AI news**` */
export function digestLabel(settings: Pick<GuildDigestSettings, 'name'>): string {
  return `**${escapeText(settings.name, 40)}**`;
}

/** `Topics: Science · minimum quality: none · mentions: @news · as a forum post` */
export function settingsLine(settings: GuildDigestSettings): string {
  const topics = settings.topics.length
    ? settings.topics.map((topic) => escapeText(topic)).join(', ')
    : 'all';
  return [
    `Topics: ${topics}`,
    `minimum quality: ${settings.minQuality ?? 'none'}`,
    `mentions: ${settings.mentionRoleId ? `<@&${settings.mentionRoleId}>` : 'nobody'}`,
    DELIVERY_WORDS[settings.delivery],
    settings.allowRepeats ? 'may repeat articles of overlapping digests' : 'never repeats another digest',
  ].join(' · ');
}

export type Resolved = { ok: true; digest: GuildDigestSettings } | { ok: false; message: string };

/**
 * The digest a command is about: the one named, or the only one when there is one. Several and no
 * name: the user is asked to name one (autocomplete lists them).
 */
export async function resolveDigest(
  service: DigestService,
  guildId: string,
  name: string | null,
): Promise<Resolved> {
  if (name !== null) {
    const digest = await service.store.findGuildDigest(guildId, name);
    if (digest) return { ok: true, digest };
    const names = (await service.store.listGuildDigests(guildId)).map((each) => digestLabel(each));
    return {
      ok: false,
      message: names.length
        ? `This server has no digest called ${digestLabel({ name })}. Its digests: ${names.join(', ')}.`
        : NO_DIGEST,
    };
  }
  const all = await service.store.listGuildDigests(guildId);
  if (all.length === 1) return { ok: true, digest: all[0]! };
  if (all.length === 0) return { ok: false, message: NO_DIGEST };
  return {
    ok: false,
    message: `This server has ${all.length} digests (${all.map(digestLabel).join(', ')}): say which with \`name\`.`,
  };
}

/** The `name` option as typed, or null. */
export function nameOption(interaction: GuildInteraction): string | null {
  const value = interaction.options.get('name')?.value;
  return typeof value === 'string' && value.trim() ? value : null;
}
