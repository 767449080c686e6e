/**
 * A stand-in for the bot's entry under the shard manager (test/shardSupervisor.test.ts). It writes what it
 * was started with to `$FAKE_SHARD_DIR/shard-<id>-<pid>.json`, then, by `FAKE_SHARD`: `crash` exits 1 at
 * once, `crash-once` exits 1 the first time and is ready the next, anything else is ready. Ready means
 * what discord.js's ShardClientUtil tells the manager (`{ _ready: true }` over IPC); it stops on SIGTERM.
 */
import fs from 'node:fs';
import path from 'node:path';

const dir = process.env.FAKE_SHARD_DIR ?? '.';
const id = process.env.SHARDS ?? 'none';
fs.writeFileSync(
  path.join(dir, `shard-${id}-${process.pid}.json`),
  JSON.stringify({
    shards: process.env.SHARDS,
    shardCount: process.env.SHARD_COUNT,
    healthPort: process.env.HEALTH_PORT ?? null,
    execArgv: process.execArgv,
  }),
);
const mode = process.env.FAKE_SHARD;
const crashedBefore = path.join(dir, `crashed-${id}`);
if (mode === 'crash') process.exit(1);
if (mode === 'crash-once' && !fs.existsSync(crashedBefore)) {
  fs.writeFileSync(crashedBefore, '');
  process.exit(1);
}
process.on('SIGTERM', () => process.exit(0));
process.send?.({ _ready: true });
setInterval(() => undefined, 1_000);
