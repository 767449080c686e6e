import type { Responder } from '../../src/discord/command.ts';
import { fitLines, replyPrivately } from '../../src/discord/digestCommands.ts';
import type { DigestService } from '../../src/discord/digestService.ts';
import { digestLabel, NO_DIGEST, settingsLine, type GuildInteraction } from './shared.ts';

/** `/digest-settings list`: every digest of the server, one short paragraph each. */
export async function list(interaction: GuildInteraction, service: DigestService, respond: Responder) {
  const digests = await service.store.listGuildDigests(interaction.guildId);
  if (!digests.length) return replyPrivately(respond, NO_DIGEST);
  const lines = [`**${digests.length} ${digests.length === 1 ? 'digest' : 'digests'}** in this server:`];
  for (const digest of digests) {
    lines.push(
      `• ${digestLabel(digest)}${digest.paused ? ' (paused)' : ''}: up to ${digest.size} in <#${digest.channelId}> at ${digest.time} (${digest.timeZone})`,
      `  ${settingsLine(digest)}`,
    );
  }
  await replyPrivately(respond, fitLines(lines));
}
