/** The status read model: what `/digest-settings status` (or any front end) shows about a schedule. */
import {
  refOf,
  type DeliveryMode,
  type GuildDigestSettings,
  type PauseReason,
  type RunProblem,
  type RunState,
  type Store,
} from '../store/types.ts';
import { formatLocal, nextDueAt } from '../time/localTime.ts';

export interface DigestStatus {
  slot: number;
  name: string;
  delivery: DeliveryMode;
  channelId: string;
  time: string;
  timeZone: string;
  paused: boolean;
  pauseReason: PauseReason | null;
  consecutiveFailures: number;
  /** Null while paused. */
  nextRunAt: number | null;
  nextRunLocal: string | null;
  lastRun: {
    state: RunState;
    dueAt: number;
    dueLocal: string;
    finishedAt: number | null;
    channelId: string | null;
    messageId: string | null;
    problem: RunProblem | null;
  } | null;
  lastError: { problem: RunProblem; at: number; atLocal: string } | null;
}

/** Next run in the server's time, last run, last error and pause reason; null without that digest. */
export async function readDigestStatus(
  store: Pick<Store, 'getGuildDigest' | 'latestRun'>,
  guildId: string,
  now: number,
  slot = 1,
): Promise<DigestStatus | null> {
  const settings = await store.getGuildDigest(guildId, slot);
  return settings ? statusOf(store, settings, now) : null;
}

/** Every digest of the server, by slot. */
export async function readServerStatus(
  store: Pick<Store, 'listGuildDigests' | 'latestRun'>,
  guildId: string,
  now: number,
): Promise<DigestStatus[]> {
  const digests = await store.listGuildDigests(guildId);
  return Promise.all(digests.map((settings) => statusOf(store, settings, now)));
}

async function statusOf(
  store: Pick<Store, 'latestRun'>,
  settings: GuildDigestSettings,
  now: number,
): Promise<DigestStatus> {
  const ref = refOf(settings);
  const [lastRun, lastFailure] = await Promise.all([store.latestRun(ref), store.latestRun(ref, ['failed'])]);
  const nextRunAt = settings.paused
    ? null
    : (settings.nextDueAt ?? nextDueAt(now, settings.time, settings.timeZone));
  const zone = settings.timeZone;
  const failedAt = lastFailure && (lastFailure.finishedAt ?? lastFailure.dueAt);
  return {
    slot: settings.slot,
    name: settings.name,
    delivery: settings.delivery,
    channelId: settings.channelId,
    time: settings.time,
    timeZone: zone,
    paused: settings.paused,
    pauseReason: settings.pauseReason,
    consecutiveFailures: settings.consecutiveFailures,
    nextRunAt,
    nextRunLocal: nextRunAt === null ? null : formatLocal(nextRunAt, zone),
    lastRun: lastRun && {
      state: lastRun.state,
      dueAt: lastRun.dueAt,
      dueLocal: formatLocal(lastRun.dueAt, zone),
      finishedAt: lastRun.finishedAt,
      channelId: lastRun.channelId,
      messageId: lastRun.messageId,
      problem: lastRun.problem,
    },
    lastError:
      lastFailure?.problem != null && failedAt !== null
        ? { problem: lastFailure.problem, at: failedAt, atLocal: formatLocal(failedAt, zone) }
        : null,
  };
}
