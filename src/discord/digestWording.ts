/** How digest problems and pause reasons read on Discord: stored as data, mentions added only here. */
import type { PauseReason, RunProblem } from '../store/types.ts';
import { HOUR_MS, formatLocal } from '../time/localTime.ts';
import { DELIVERY_PERMISSIONS } from './digestPermissions.ts';

const channel = (channelId: string | null) => (channelId ? `<#${channelId}>` : 'the digest channel');
const hours = (ms: number) => (ms / HOUR_MS).toFixed(1);

export function describeRunProblem(problem: RunProblem): string {
  switch (problem.kind) {
    case 'missing-permissions': {
      const needed = problem.mode
        ? DELIVERY_PERMISSIONS[problem.mode].map(([name]) => name).join(', ')
        : 'View Channel, Send Messages and Embed Links';
      return `Missing permissions in ${channel(problem.channelId)}: the bot needs ${needed} there.`;
    }
    case 'thread-not-started':
      return `Posted, but its thread could not be started. ${describeRunProblem(problem.cause)}`;
    case 'missing-access':
      return `The bot cannot see ${channel(problem.channelId)} (missing access): give it View Channel or choose another channel.`;
    case 'unknown-channel':
      return `The channel ${channel(problem.channelId)} no longer exists: choose another channel.`;
    case 'dms-closed': {
      const told = problem.notice
        ? problem.notice.delivered
          ? ` Paused; they were told in <#${problem.notice.channelId}>.`
          : ` Paused; telling them in <#${problem.notice.channelId}> failed too.`
        : '';
      return `Cannot send DMs to <@${problem.userId}> (their DMs are closed).${told}`;
    }
    case 'refused':
      return `Discord refused the digest (HTTP ${problem.status}, code ${problem.code}): ${problem.message}`;
    case 'unavailable':
      return `Discord was unavailable (HTTP ${problem.status}).`;
    case 'token-rejected':
      return 'Discord rejected the bot token (HTTP 401).';
    case 'rate-limited':
      return `Discord rate-limited the bot for ${Math.ceil(problem.retryAfterMs / 1000)} s.`;
    case 'unreachable':
      return `Could not reach Discord: ${problem.message}`;
    case 'internal-error':
      return 'Internal error while preparing the digest; see the bot logs.';
    case 'missed-offline':
      return (
        `Skipped the digest due ${formatLocal(problem.dueAt, problem.timeZone)}: the bot was offline and it was ` +
        `${hours(problem.lateMs)} h late (the limit is ${hours(problem.limitMs)} h).`
      );
    case 'missed-interrupted':
      return (
        `Skipped the digest due ${formatLocal(problem.dueAt, problem.timeZone)}: the bot stopped mid-run and ` +
        `restarted ${hours(problem.lateMs)} h later.`
      );
    case 'target-removed':
      return 'The digest target was removed while the run was interrupted.';
    case 'paused-while-interrupted':
      return 'The digest was paused while the run was interrupted.';
    case 'text':
      return problem.text;
  }
}

export function describePauseReason(reason: PauseReason): string {
  switch (reason.kind) {
    case 'paused-by-user':
      return `Paused by <@${reason.userId}> with /digest-settings pause.`;
    case 'failures-in-a-row':
      return `Paused after ${reason.count} failed digests in a row. Last error: ${describeRunProblem(reason.last)}`;
    case 'dms-closed':
      return 'Your direct messages are closed to the bot.';
    case 'unschedulable':
      return `Paused: the schedule ${reason.time} ${reason.timeZone} cannot be computed (${reason.detail}). Set the time and time zone again.`;
    case 'text':
      return reason.text;
  }
}
