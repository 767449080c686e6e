import type { Responder } from '../../src/discord/command.ts';
import { articleLines, describeInstant, replyPrivately } from '../../src/discord/digestCommands.ts';
import type { DigestService } from '../../src/discord/digestService.ts';
import { describePauseReason, describeRunProblem } from '../../src/discord/digestWording.ts';
import { FAILURES_BEFORE_PAUSE } from '../../src/digest/protocol.ts';
import type { DigestStatus } from '../../src/digest/status.ts';
import type { GuildDigestSettings } from '../../src/store/types.ts';
import { fitLines } from '../../src/discord/digestCommands.ts';
import {
  digestLabel,
  nameOption,
  NO_DIGEST,
  resolveDigest,
  settingsLine,
  type GuildInteraction,
} from './shared.ts';

/**
 * `/digest-settings status [name]`: each digest's next run, last run and last error, what feedback has
 * learned, and (for one digest, or the only one) what a run now would post.
 */
export async function status(interaction: GuildInteraction, service: DigestService, respond: Responder) {
  const guildId = interaction.guildId;
  const name = nameOption(interaction);
  let digests: GuildDigestSettings[];
  if (name !== null) {
    const resolved = await resolveDigest(service, guildId, name);
    if (!resolved.ok) return replyPrivately(respond, resolved.message);
    digests = [resolved.digest];
  } else {
    digests = await service.store.listGuildDigests(guildId);
  }
  if (!digests.length) return replyPrivately(respond, NO_DIGEST);

  const lines: string[] = [];
  for (const settings of digests) {
    const report = await service.status(guildId, settings.slot);
    if (!report) continue;
    if (lines.length) lines.push('');
    lines.push(...digestLines(settings, report, guildId));
  }
  const learned = await service.feedbackSummary?.(guildId);
  if (learned) lines.push('', `**Feedback:** ${learned}`);
  if (digests.length === 1) {
    const preview = await service.preview(digests[0]!);
    lines.push(
      ...(preview.length
        ? ['**If it ran now** it would post:', ...articleLines(preview)]
        : [
            '**If it ran now** there would be nothing new to post: nothing matching was published since the last digest.',
          ]),
    );
  } else {
    lines.push('', '`/digest-settings status name:` shows what one of them would post now.');
  }
  await replyPrivately(respond, fitLines(lines));
}

function digestLines(settings: GuildDigestSettings, report: DigestStatus, guildId: string): string[] {
  const zone = report.timeZone;
  const lines = [
    `${digestLabel(settings)} in <#${report.channelId}> at ${report.time} (${zone}), up to ${settings.size} articles.`,
    settingsLine(settings),
  ];
  if (report.paused) {
    const reason = report.pauseReason ? describePauseReason(report.pauseReason) : 'no reason recorded';
    lines.push(`**Paused:** ${reason} \`/digest-settings resume\` resumes it.`);
  } else if (report.nextRunAt !== null) {
    lines.push(`Next run: ${describeInstant(report.nextRunAt, zone)}.`);
  }
  lines.push(
    report.lastRun
      ? `Last run: ${report.lastRun.dueLocal}, ${lastRunOutcome(report.lastRun, guildId)}`
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
  return lines;
}

function lastRunOutcome(run: NonNullable<DigestStatus['lastRun']>, guildId: string): string {
  switch (run.state) {
    case 'posted': {
      const posted =
        run.channelId && run.messageId
          ? `posted: https://discord.com/channels/${guildId}/${run.channelId}/${run.messageId}`
          : 'posted.';
      return run.problem ? `${posted} But: ${describeRunProblem(run.problem)}` : posted;
    }
    case 'empty':
      return 'nothing new to post, so nothing was posted.';
    case 'claimed':
      return 'in progress.';
    default:
      return `${run.state}: ${run.problem ? describeRunProblem(run.problem) : 'no reason recorded'}`;
  }
}
