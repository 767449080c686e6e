import type { Responder } from '../../src/discord/command.ts';
import { replyPrivately } from '../../src/discord/digestCommands.ts';
import type { DigestService } from '../../src/discord/digestService.ts';
import { describePauseReason, describeRunProblem } from '../../src/discord/digestWording.ts';
import type { RunReport } from '../../src/digest/protocol.ts';
import { nameOption, NO_DIGEST, refOf, resolveDigest, type GuildInteraction } from './shared.ts';

/** `/digest-settings post-now [name]`: posts that digest in its channel now, and reports how it went. */
export async function postNow(interaction: GuildInteraction, service: DigestService, respond: Responder) {
  const resolved = await resolveDigest(service, interaction.guildId, nameOption(interaction));
  if (!resolved.ok) return replyPrivately(respond, resolved.message);
  const settings = resolved.digest;
  // Posting can take longer than a user wants to stare at "thinking…": say at once what is happening,
  // then report the outcome in a private follow-up.
  await replyPrivately(respond, `Posting a digest in <#${settings.channelId}>…`);
  const report = await service.postNow(refOf(settings));
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
