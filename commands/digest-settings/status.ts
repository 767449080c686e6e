import type { Responder } from '../../src/discord/command.ts';
import { articleLines, describeInstant, replyPrivately } from '../../src/discord/digestCommands.ts';
import type { DigestService } from '../../src/discord/digestService.ts';
import { describePauseReason, describeRunProblem } from '../../src/discord/digestWording.ts';
import { FAILURES_BEFORE_PAUSE } from '../../src/digest/protocol.ts';
import type { DigestStatus } from '../../src/digest/status.ts';
import { NO_DIGEST, settingsLine, type GuildInteraction } from './shared.ts';

/** `/digest-settings status`: next run, last run, last error, and what a run now would post. */
export async function status(interaction: GuildInteraction, service: DigestService, respond: Responder) {
  const [report, settings] = await Promise.all([
    service.status(interaction.guildId),
    service.store.getGuildDigest(interaction.guildId),
  ]);
  if (!report || !settings) {
    await replyPrivately(respond, NO_DIGEST);
    return;
  }
  const zone = report.timeZone;
  const lines = [
    `**Daily digest** in <#${report.channelId}> at ${report.time} (${zone}), up to ${settings.size} articles.`,
    settingsLine(settings),
  ];
  if (report.paused) {
    const reason = report.pauseReason ? describePauseReason(report.pauseReason) : 'no reason recorded';
    lines.push(`**Paused:** ${reason} \`/digest-settings schedule\` resumes it.`);
  } else if (report.nextRunAt !== null) {
    lines.push(`Next run: ${describeInstant(report.nextRunAt, zone)}.`);
  }
  lines.push(
    report.lastRun
      ? `Last run: ${report.lastRun.dueLocal}, ${lastRunOutcome(report.lastRun, interaction.guildId)}`
      : 'Last run: none yet.',
  );
  if (report.lastError) {
    lines.push(`Last error (${report.lastError.atLocal}): ${describeRunProblem(report.lastError.problem)}`);
  }
  if (report.consecutiveFailures > 0 && !report.paused) {
    lines.push(
      `Failures in a row: ${report.consecutiveFailures} (the digest pauses after ${FAILURES_BEFORE_PAUSE}).`,
    );
  }
  const preview = await service.preview(settings);
  if (preview.length) {
    lines.push(`**If it ran now** it would post:`, ...articleLines(preview));
  } else {
    lines.push(
      '**If it ran now** there would be nothing new to post: nothing matching was published since the last digest.',
    );
  }
  await replyPrivately(respond, lines.join('\n'));
}

function lastRunOutcome(run: NonNullable<DigestStatus['lastRun']>, guildId: string): string {
  switch (run.state) {
    case 'posted':
      return run.channelId && run.messageId
        ? `posted: https://discord.com/channels/${guildId}/${run.channelId}/${run.messageId}`
        : 'posted.';
    case 'empty':
      return 'nothing new to post, so nothing was posted.';
    case 'claimed':
      return 'in progress.';
    default:
      return `${run.state}: ${run.problem ? describeRunProblem(run.problem) : 'no reason recorded'}`;
  }
}
