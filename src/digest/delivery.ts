/**
 * The delivery port: how the digest protocol hands a prepared digest to a chat platform. The Discord
 * adapter implements it (REST, error codes, rendering); the protocol only sees ids and data.
 */
import type { DeliveryMode, RunProblem } from '../store/types.ts';
import type { DigestContent } from './content.ts';

export type DeliveryTarget =
  /**
   * A server channel: a message (default), a message with a thread started from it, or a forum post
   * (`channelId` is then the forum; the delivered channel is the post). `guildId` lets a delivery look
   * for an earlier forum post among the server's active threads.
   */
  | { kind: 'channel'; channelId: string; mode?: DeliveryMode; guildId?: string }
  /** The user's direct messages; the delivery opens the channel. */
  | { kind: 'direct-message'; userId: string };

export interface Delivered {
  ok: true;
  channelId: string;
  messageId: string;
  /** Posted, but a part after the post failed (e.g. its thread could not be started). */
  warning?: RunProblem;
}

export interface DeliveryFailure {
  ok: false;
  problem: RunProblem;
  /** Worth trying again shortly: an outage, a network error, a rate limit. */
  retryable: boolean;
  /** The platform refused this target (permissions, a deleted channel): counts toward pausing it. */
  refused: boolean;
  /** How long the platform asked to wait, for a rate limit. */
  retryAfterMs?: number;
}

export type DeliveryResult = Delivered | DeliveryFailure;

/**
 * What a look for an earlier post of this content found: the message, null when it is certainly not
 * there, or 'unknown' when the platform's history could not be read (or cannot show it).
 */
export type FoundDelivery = Omit<Delivered, 'ok' | 'warning'> | null | 'unknown';

/** Telling a subscriber, where they subscribed, that their direct messages are closed. */
export interface DmsClosedNotice {
  userId: string;
  topic: string;
  channelId: string;
  /** Deterministic per run, so a resumed run does not tell them twice. */
  nonce: string;
}

/**
 * One attempt per call: the protocol decides about retries. Delivering the same content again (same run,
 * same nonce) must not create a second message. Never throws for a platform error: it returns a failure.
 */
export interface DigestDelivery {
  deliver(content: DigestContent, to: DeliveryTarget): Promise<DeliveryResult>;
  /**
   * The message an earlier attempt posted for this content, recognised by what it carries (the run), not
   * by the nonce: platforms forget nonces after minutes, a restart may come hours later. Never throws.
   */
  findDelivered(content: DigestContent, to: DeliveryTarget): Promise<FoundDelivery>;
  /** True when the notice was posted. */
  tellDmsClosed(notice: DmsClosedNotice): Promise<boolean>;
}
