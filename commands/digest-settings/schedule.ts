import type { Responder } from '../../src/discord/command.ts';
import { describeInstant, replyPrivately } from '../../src/discord/digestCommands.ts';
import { parseOptions, rawOptions } from '../../src/discord/digestOptions.ts';
import { CHANNEL_PERMISSIONS } from '../../src/discord/startupReport.ts';
import type { DigestService } from '../../src/discord/digestService.ts';
import { escapeText } from '../../src/discord/render.ts';
import type { Library } from '../../src/search/library.ts';
import type { GuildDigestSettings } from '../../src/store/types.ts';
import { StoreValidationError } from '../../src/store/validation.ts';
import { SCHEDULE_OPTIONS, SCHEDULE_RESOLVED, scheduleOptionsSchema } from './options.ts';
import { guildRef, settingsLine, type GuildInteraction } from './shared.ts';

/** `/digest-settings schedule`: saves the settings, resumes a paused digest and says when it runs next. */
export async function schedule(
  interaction: GuildInteraction,
  service: DigestService,
  respond: Responder,
  library: Library,
) {
  const parsed = parseOptions(
    scheduleOptionsSchema(library, interaction.guildId),
    rawOptions(interaction, SCHEDULE_OPTIONS, SCHEDULE_RESOLVED),
    'Nothing was saved:',
  );
  if (!parsed.ok) {
    await replyPrivately(respond, parsed.message);
    return;
  }
  const options = parsed.value;
  const notes: string[] = [];
  if (options.role && !options.role.mentionable) {
    notes.push(
      `${escapeText(options.role.name, 100)} is not mentionable: its members are only pinged if I have the Mention All Roles permission.`,
    );
  }

  const { store, scheduler } = service;
  const now = service.now();
  let saved: GuildDigestSettings;
  try {
    saved = await store.saveGuildDigest(
      {
        guildId: interaction.guildId,
        channelId: options.channel,
        time: options.time,
        timeZone: options.timezone,
        size: options.size,
        topics: options.topics,
        minQuality: options.min_quality,
        mentionRoleId: options.role?.id ?? null,
      },
      now,
    );
  } catch (error) {
    if (!(error instanceof StoreValidationError)) throw error;
    await replyPrivately(respond, `Nothing was saved: ${error.message}`);
    return;
  }
  const wasPaused = saved.paused;
  if (wasPaused) await store.setGuildDigestPaused(interaction.guildId, false, null, now);
  const next = await scheduler.schedule(guildRef(interaction));

  const missing = missingBotPermissions(interaction, options.channel);
  if (missing.length)
    notes.push(`I cannot post in <#${options.channel}> yet: give me ${missing.join(', ')} there.`);
  const lines = [
    `**Digest scheduled.** Up to ${saved.size} articles in <#${saved.channelId}> every day at ${saved.time} (${saved.timeZone}).`,
    settingsLine(saved),
    next === null ? 'Next run: not scheduled.' : `Next run: ${describeInstant(next, saved.timeZone)}.`,
  ];
  if (wasPaused) lines.push('It was paused; it runs again from now on.');
  lines.push(...notes.map((note) => `⚠️ ${note}`));
  lines.push(
    '`/digest-settings status` shows what it would post; `/digest-settings post-now` posts one now.',
  );
  await replyPrivately(respond, lines.join('\n'));
}

/** Permissions the bot lacks in the channel, when the guild is cached (a warning, not a refusal). */
function missingBotPermissions(interaction: GuildInteraction, channelId: string): string[] {
  if (!interaction.inCachedGuild()) return [];
  const channel = interaction.guild.channels.cache.get(channelId);
  const me = interaction.guild.members.me;
  if (!channel || !me) return [];
  const permissions = channel.permissionsFor(me);
  return CHANNEL_PERMISSIONS.filter(([, flag]) => !permissions.has(flag)).map(([name]) => name);
}
