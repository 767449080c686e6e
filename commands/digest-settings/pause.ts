import type { Responder } from '../../src/discord/command.ts';
import { replyPrivately } from '../../src/discord/digestCommands.ts';
import type { DigestService } from '../../src/discord/digestService.ts';
import { describePauseReason } from '../../src/discord/digestWording.ts';
import { NO_DIGEST, type GuildInteraction } from './shared.ts';

/** `/digest-settings pause`: nothing is posted until the digest is scheduled again. */
export async function pause(interaction: GuildInteraction, service: DigestService, respond: Responder) {
  const settings = await service.store.getGuildDigest(interaction.guildId);
  if (!settings) {
    await replyPrivately(respond, NO_DIGEST);
    return;
  }
  if (settings.paused) {
    const reason = settings.pauseReason ? describePauseReason(settings.pauseReason) : 'no reason recorded';
    await replyPrivately(
      respond,
      `The digest is already paused (${reason}). \`/digest-settings schedule\` resumes it.`,
    );
    return;
  }
  await service.store.setGuildDigestPaused(
    interaction.guildId,
    true,
    { kind: 'paused-by-user', userId: interaction.user.id },
    service.now(),
  );
  await replyPrivately(
    respond,
    'The digest is paused: nothing is posted until you run `/digest-settings schedule` again.',
  );
}
