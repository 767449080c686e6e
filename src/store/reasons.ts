/**
 * Why a digest run failed or was skipped, and why a schedule is paused, as data. The store keeps them as
 * JSON with ids, never as rendered text: each front end words them (and mentions channels or users) only
 * when it shows them. Rows written before this format hold plain text; they read back as `{ kind: 'text' }`.
 */

export type RunProblem =
  /** Discord refused: the bot may not send (or embed) in the channel; `mode` when posting a thread or forum post. */
  | { kind: 'missing-permissions'; channelId: string | null; mode?: 'thread' | 'forum' }
  /** The digest message was posted, but its thread could not be started. */
  | { kind: 'thread-not-started'; channelId: string | null; cause: RunProblem }
  /** Discord refused: the bot cannot see the channel. */
  | { kind: 'missing-access'; channelId: string | null }
  | { kind: 'unknown-channel'; channelId: string | null }
  /** The subscriber's DMs are closed; `notice` says whether telling them where they subscribed worked. */
  | { kind: 'dms-closed'; userId: string; notice?: { channelId: string; delivered: boolean } }
  /** Any other refusal (a 4xx with a code), kept with what Discord said. */
  | { kind: 'refused'; status: number; code: string; message: string; channelId: string | null }
  | { kind: 'unavailable'; status: number }
  /** The token was rejected: the whole bot is affected, not one target. */
  | { kind: 'token-rejected' }
  | { kind: 'rate-limited'; retryAfterMs: number }
  | { kind: 'unreachable'; message: string }
  /** Selecting or preparing the digest threw; the logs have the details. */
  | { kind: 'internal-error' }
  /** A due time the bot missed (it was offline) by more than the catch-up limit. */
  | { kind: 'missed-offline'; dueAt: number; timeZone: string; lateMs: number; limitMs: number }
  /** A run interrupted by a stop before posting, and restarted too late to post. */
  | { kind: 'missed-interrupted'; dueAt: number; timeZone: string; lateMs: number }
  | { kind: 'target-removed' }
  | { kind: 'paused-while-interrupted' }
  | { kind: 'text'; text: string };

export type PauseReason =
  | { kind: 'paused-by-user'; userId: string }
  | { kind: 'failures-in-a-row'; count: number; last: RunProblem }
  | { kind: 'dms-closed'; userId: string }
  /** The stored time or zone cannot be computed any more (e.g. a zone dropped by an ICU update). */
  | { kind: 'unschedulable'; time: string; timeZone: string; detail: string }
  | { kind: 'text'; text: string };

function parseTagged<T extends { kind: string }>(
  stored: string | null,
): T | { kind: 'text'; text: string } | null {
  if (stored === null) return null;
  try {
    const value: unknown = JSON.parse(stored);
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { kind?: unknown }).kind === 'string'
    ) {
      return value as T;
    }
  } catch {
    // Plain text from before reasons were data.
  }
  return { kind: 'text', text: stored };
}

export function parseRunProblem(stored: string | null): RunProblem | null {
  return parseTagged<RunProblem>(stored);
}

export function parsePauseReason(stored: string | null): PauseReason | null {
  return parseTagged<PauseReason>(stored);
}

export function storeReason(reason: RunProblem | PauseReason | null): string | null {
  return reason === null ? null : JSON.stringify(reason);
}
