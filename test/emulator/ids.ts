import { randomBytes } from 'node:crypto';

/** Discord's epoch (2015-01-01T00:00:00Z) used in snowflakes. */
export const DISCORD_EPOCH = 1_420_070_400_000;

let increment = 0n;

/** A real-shaped snowflake (timestamp << 22 | worker << 17 | increment) so discord.js derives sane dates. */
export function snowflake(at: number = Date.now()): string {
  increment = (increment + 1n) & 0xfffn;
  const ms = BigInt(Math.max(0, Math.floor(at) - DISCORD_EPOCH));
  return ((ms << 22n) | (1n << 17n) | increment).toString();
}

export function snowflakeTime(id: string): number {
  return Number(BigInt(id) >> 22n) + DISCORD_EPOCH;
}

/** Opaque token in the style of Discord interaction tokens (`aW50ZXJhY3Rpb24...`). */
export function interactionToken(interactionId: string): string {
  const head = Buffer.from(`interaction:${interactionId}:`).toString('base64url');
  return `${head}${randomBytes(48).toString('base64url')}`;
}

export function sessionId(): string {
  return randomBytes(16).toString('hex');
}

/** Bot tokens look like `base64(appId).timestamp.hmac`; discord.js only censors the last parts. */
export function defaultBotToken(applicationId: string): string {
  return `${Buffer.from(applicationId).toString('base64url')}.ZW11bA.${randomBytes(20).toString('base64url')}`;
}
