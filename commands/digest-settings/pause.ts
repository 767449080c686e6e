import type { Responder } from '../../src/discord/command.ts';
import { replyPrivately } from '../../src/discord/digestCommands.ts';
import type { DigestService } from '../../src/discord/digestService.ts';
import { describePauseReason } from '../../src/discord/digestWording.ts';
import { digestLabel, nameOption, refOf, resolveDigest, type GuildInteraction } from './shared.ts';

/** `/digest-settings pause [name]`: nothing is posted until the digest is resumed. */
export async function pause(interaction: GuildInteraction, service: DigestService, respond: Responder) {
  const resolved = await resolveDigest(service, interaction.guildId, nameOption(interaction));
  if (!resolved.ok) return replyPrivately(respond, resolved.message);
  const settings = resolved.digest;
  const label = digestLabel(settings);
  if (settings.paused) {
    const reason = settings.pauseReason ? describePauseReason(settings.pauseReason) : 'no reason recorded';
    return replyPrivately(
      respond,
      `The ${label} digest is already paused (${reason}). \`/digest-settings resume\` resumes it.`,
    );
  }
  await service.store.setGuildDigestPaused(
    interaction.guildId,
    true,
    { kind: 'paused-by-user', userId: interaction.user.id },
    service.now(),
    settings.slot,
  );
  await replyPrivately(
    respond,
    `The ${label} digest is paused: nothing is posted until you run \`/digest-settings resume\`.`,
  );
}

/** `/digest-settings resume [name]`: runs again from its next time (missed runs are not caught up). */
export async function resume(interaction: GuildInteraction, service: DigestService, respond: Responder) {
  const resolved = await resolveDigest(service, interaction.guildId, nameOption(interaction));
  if (!resolved.ok) return replyPrivately(respond, resolved.message);
  const settings = resolved.digest;
  const label = digestLabel(settings);
  if (!settings.paused) return replyPrivately(respond, `The ${label} digest is not paused.`);
  await service.store.setGuildDigestPaused(interaction.guildId, false, null, service.now(), settings.slot);
  const next = await service.scheduler.schedule(refOf(settings));
  await replyPrivately(
    respond,
    `The ${label} digest runs again${next === null ? '' : ` from <t:${Math.floor(next / 1000)}:f>`}.`,
  );
}

/** `/digest-settings remove name`: the settings, runs and history of that digest go. */
export async function remove(interaction: GuildInteraction, service: DigestService, respond: Responder) {
  const name = nameOption(interaction);
  if (name === null) return replyPrivately(respond, 'Say which digest to remove with `name`.');
  const resolved = await resolveDigest(service, interaction.guildId, name);
  if (!resolved.ok) return replyPrivately(respond, resolved.message);
  await service.store.deleteGuildDigest(interaction.guildId, resolved.digest.slot);
  await replyPrivately(
    respond,
    `Removed the ${digestLabel(resolved.digest)} digest; what it posted stays in its channel.`,
  );
}
