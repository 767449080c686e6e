import type { Responder } from '../../src/discord/command.ts';
import { describeInstant, replyPrivately } from '../../src/discord/digestCommands.ts';
import { parseOptions, rawOptions } from '../../src/discord/digestOptions.ts';
import { DELIVERY_WORDS, missingForDelivery } from '../../src/discord/digestPermissions.ts';
import type { DigestService } from '../../src/discord/digestService.ts';
import { escapeText } from '../../src/discord/render.ts';
import type { Library } from '../../src/search/library.ts';
import type { DeliveryMode, GuildDigestPatch, GuildDigestSettings } from '../../src/store/types.ts';
import { StoreValidationError } from '../../src/store/validation.ts';
import { deliveryFor, digestOptionsSchema, SCHEDULE_OPTIONS, SCHEDULE_RESOLVED } from './options.ts';
import { digestLabel, refOf, resolveDigest, settingsLine, type GuildInteraction } from './shared.ts';

/**
 * `schedule` saves the digest named (default: the server's first) and resumes it when paused; `add`
 * creates a new one and refuses a name in use; `edit` changes only the options given.
 */
export type SaveMode = 'schedule' | 'add' | 'edit';

export async function saveDigest(
  mode: SaveMode,
  interaction: GuildInteraction,
  service: DigestService,
  respond: Responder,
  library: Library,
) {
  const parsed = parseOptions(
    digestOptionsSchema(library, interaction.guildId, mode !== 'edit'),
    rawOptions(interaction, SCHEDULE_OPTIONS, SCHEDULE_RESOLVED),
    'Nothing was saved:',
  );
  if (!parsed.ok) return replyPrivately(respond, parsed.message);
  const options = parsed.value;
  const { store, scheduler } = service;
  const guildId = interaction.guildId;

  let current: GuildDigestSettings | null = null;
  if (mode === 'edit') {
    const resolved = await resolveDigest(service, guildId, options.name);
    if (!resolved.ok) return replyPrivately(respond, resolved.message);
    current = resolved.digest;
  } else if (options.name !== null) {
    current = await store.findGuildDigest(guildId, options.name);
    if (current && mode === 'add') {
      return replyPrivately(
        respond,
        `Nothing was saved: this server already has a digest called ${digestLabel(current)}; \`/digest-settings edit\` changes it.`,
      );
    }
  } else {
    current = await store.getGuildDigest(guildId);
  }

  const notes: string[] = [];
  if (options.role && !options.role.mentionable) {
    notes.push(
      `${escapeText(options.role.name, 100)} is not mentionable: its members are only pinged if I have the Mention All Roles permission.`,
    );
  }
  const delivery = deliveryFor(options, current?.delivery ?? null);
  const full = mode !== 'edit';
  const patch: GuildDigestPatch = {
    guildId,
    ...(current ? { slot: current.slot } : options.name !== null ? { name: options.name } : {}),
    ...(options.rename !== null && mode === 'edit' && { name: options.rename }),
    ...(options.channel ? { channelId: options.channel.id } : {}),
    ...(typeof options.time === 'string' ? { time: options.time } : {}),
    ...(typeof options.timezone === 'string' ? { timeZone: options.timezone } : {}),
    ...(options.size !== null && { size: options.size }),
    ...((full || options.topics !== null) && { topics: options.topics ?? [] }),
    ...((full || options.min_quality !== null) && { minQuality: options.min_quality }),
    ...((full || options.role) && { mentionRoleId: options.role?.id ?? null }),
    delivery,
    ...(options.repeats != null ? { allowRepeats: options.repeats } : full && { allowRepeats: false }),
  };
  if (current && options.name !== null && mode !== 'edit') patch.name = options.name;

  const now = service.now();
  let saved: GuildDigestSettings;
  try {
    saved = await store.saveGuildDigest(patch, now);
  } catch (error) {
    if (!(error instanceof StoreValidationError)) throw error;
    return replyPrivately(respond, `Nothing was saved: ${error.message}`);
  }
  const wasPaused = saved.paused && mode !== 'edit';
  if (wasPaused) await store.setGuildDigestPaused(guildId, false, null, now, saved.slot);
  const next = saved.paused && !wasPaused ? null : await scheduler.schedule(refOf(saved));

  const channelNote = deliveryProblem(interaction, saved.channelId, saved.delivery);
  if (channelNote) notes.push(channelNote);
  const verb = mode === 'edit' ? 'updated' : current ? 'scheduled' : mode === 'add' ? 'added' : 'scheduled';
  const lines = [
    `**Digest ${verb}.** Up to ${saved.size} articles in <#${saved.channelId}> every day at ${saved.time} (${saved.timeZone}): the ${digestLabel(saved)} digest.`,
    settingsLine(saved),
    saved.paused && !wasPaused
      ? 'It is paused: `/digest-settings resume` runs it again.'
      : next === null
        ? 'Next run: not scheduled.'
        : `Next run: ${describeInstant(next, saved.timeZone)}.`,
  ];
  if (wasPaused) lines.push('It was paused; it runs again from now on.');
  lines.push(...notes.map((note) => `⚠️ ${note}`));
  lines.push(
    '`/digest-settings status` shows what it would post; `/digest-settings post-now` posts one now.',
  );
  await replyPrivately(respond, lines.join('\n'));
}

/**
 * What stops the bot posting there that way, when the guild is cached (a warning, not a refusal): the
 * permissions missing for the mode, or a channel of the wrong kind.
 */
function deliveryProblem(
  interaction: GuildInteraction,
  channelId: string,
  mode: DeliveryMode,
): string | null {
  if (!interaction.inCachedGuild()) return null;
  const channel = interaction.guild.channels.cache.get(channelId);
  const me = interaction.guild.members.me;
  if (!channel || !me) return null;
  const missing = missingForDelivery(channel.permissionsFor(me), mode);
  if (!missing.length) return null;
  return `I cannot post in <#${channelId}> ${DELIVERY_WORDS[mode]} yet: give me ${missing.join(', ')} there.`;
}
