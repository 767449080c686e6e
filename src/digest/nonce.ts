import { createHash } from 'node:crypto';

/** Discord accepts message nonces of at most 25 characters. */
export const MAX_NONCE_LENGTH = 25;

/**
 * The nonce for one digest run, derived from its target and due time: the same run always posts with the
 * same nonce, so a post repeated after a crash is deduplicated by Discord (`enforce_nonce`).
 */
export function digestNonce(targetKey: string, dueAt: number, purpose = 'digest'): string {
  return createHash('sha256')
    .update(`${purpose}|${targetKey}|${dueAt}`)
    .digest('base64url')
    .slice(0, MAX_NONCE_LENGTH);
}
