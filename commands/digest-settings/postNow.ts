import type { Responder } from '../../src/discord/command.ts';
import { replyPrivately } from '../../src/discord/digestCommands.ts';
import type { DigestService } from '../../src/discord/digestService.ts';
import { describePauseReason, describeRunProblem } from '../../src/discord/digestWording.ts';
import type { RunReport } from '../../src/digest/protocol.ts';
import { guildRef, NO_DIGEST, type GuildInteraction } from './shared.ts';

/** `/digest-settings post-now`: posts a digest in the digest channel now, and reports how it went. */
export async function postNow(interaction: GuildInteraction, service: DigestService, respond: Responder) {
  const settings = await service.store.getGuildDigest(interaction.guildId);
  if (!settings) {
    await replyPrivately(respond, NO_DIGEST);
    return;
  }
  // Posting can take longer than a user wants to stare at "thinking…": say at once what is happening,
  // then report the outcome in a private follow-up.
  await replyPrivately(respond, `Posting a digest in <#${settings.channelId}>…`);
  const report = await service.postNow(guildRef(interaction));
  await replyPrivately(respond, describePostNow(report, interaction.guildId));
}

function describePostNow(report: RunReport, guildId: string): string {
  switch (report.state) {
    case 'posted': {
      const count = report.articleIds.length;
      return `Posted ${count} ${count === 1 ? 'article' : 'articles'} in <#${report.channelId}>: https://discord.com/channels/${guildId}/${report.channelId}/${report.messageId}`;
    }
    case 'empty':
      return 'Nothing new to post: everything matching since the last digest was already sent. Nothing was posted.';
    case 'failed':
      return [
        `The digest could not be posted. ${describeRunProblem(report.problem)}`,
        report.paused
          ? `The digest is now paused: ${report.pauseReason ? describePauseReason(report.pauseReason) : ''}`
          : '',
      ]
        .filter(Boolean)
        .join('\n');
    case 'gone':
      return NO_DIGEST;
    case 'interrupted':
      return 'The bot is shutting down; the digest will be posted when it is back.';
    case 'already-finished':
      return 'A digest was just posted; try again in a moment.';
    case 'claimed-elsewhere':
    case 'claim-lost':
      return 'Another Broadsheet process is posting this digest; it will appear in a moment.';
  }
}
