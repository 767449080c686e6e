/**
 * Which shard this process serves. discord.js's ShardingManager starts each shard's process with
 * `SHARDING_MANAGER`, `SHARDS` (its id) and `SHARD_COUNT` in the environment; logs, metrics, the REST
 * share and the digest scheduler all read them from here, so a process knows its shard before anything
 * connects. Null in a process that is not a shard (one process, or the manager itself).
 */
export interface ShardIdentity {
  id: number;
  count: number;
}

export function shardIdentityFromEnv(env: NodeJS.ProcessEnv = process.env): ShardIdentity | null {
  if (!env.SHARDING_MANAGER || env.SHARDS === undefined) return null;
  const id = Number(env.SHARDS);
  const count = Number(env.SHARD_COUNT);
  if (!Number.isInteger(id) || !Number.isInteger(count) || id < 0 || count < 1 || id >= count) return null;
  return { id, count };
}

/** The shard Discord sends a guild's events to: `(guild_id >> 22) % shard_count`. */
export function shardOfGuild(guildId: string, shardCount: number): number {
  if (shardCount <= 1) return 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** Discord's limit for one bot, whatever the number of processes: 50 requests a second. */
export const DISCORD_GLOBAL_REQUESTS_PER_SECOND = 50;
