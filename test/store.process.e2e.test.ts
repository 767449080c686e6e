/**
 * The bot process with DATABASE_URL: against a Postgres it cannot reach it exits 1 naming host:port/db and
 * never the password; against a real one it runs its digests there, and a stop closes every connection.
 */

import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import type { Emulator } from './emulator/index.ts';
import { ADMIN, GENERAL, GUILD } from './support/bot.ts';
import { createTestDatabase } from './support/postgres.ts';
import {
  eventually,
  killGroup,
  logLines,
  newsroomEmulator,
  startBotInGroup,
  type GroupProcess,
} from './support/processes.ts';
import { freeLoopbackPort } from './support/ports.ts';

const PASSWORD = 'hunter2-but-longer';

const database = await createTestDatabase('store-process');
afterAll(async () => {
  await database?.drop();
});

let emu: Emulator | undefined;
let running: GroupProcess | undefined;
afterEach(async () => {
  if (running) killGroup(running.pgid);
  await emu?.close();
  emu = undefined;
  running = undefined;
});

describe('the bot process with DATABASE_URL', () => {
  it('GIVEN a Postgres that cannot be reached THEN it exits 1 naming host:port/db, never the password', async () => {
    emu = await newsroomEmulator();
    const port = await freeLoopbackPort();
    running = startBotInGroup(emu, {
      DATABASE_URL: `postgres://broadsheet:${PASSWORD}@127.0.0.1:${port}/news`,
    });
    const bot = running;
    expect(await bot.exited).toEqual({ code: 1, signal: null });
    const output = bot.output();
    expect(output).toContain(
      `Broadsheet stopped: the Postgres database at 127.0.0.1:${port}/news could not be opened`,
    );
    expect(output).toContain('Check DATABASE_URL');
    expect(output).not.toContain(PASSWORD);
    expect(emu.stats.identifies).toBe(0);
  }, 60_000);

  it.skipIf(!database)(
    'GIVEN a reachable Postgres THEN the bot keeps its digests there, and a stop leaves no connection open',
    async () => {
      emu = await newsroomEmulator();
      const url = new URL(database!.url);
      url.password = PASSWORD; // the test server trusts loopback connections; the password must not show
      running = startBotInGroup(emu, { DATABASE_URL: url.toString(), LOG_FORMAT: 'json' });
      const bot = running;
      await eventually(
        () => bot.output().includes('digest scheduler started'),
        'the digest scheduler',
        45_000,
      );
      expect(logLines(bot.output())).toContainEqual(
        expect.objectContaining({
          msg: 'digest store opened',
          kind: 'postgres',
          database: `${url.hostname}:${url.port}/${url.pathname.slice(1)}`,
        }),
      );

      // A setting made through the bot lands in Postgres.
      const client = new pg.Client({ connectionString: database!.url });
      await client.connect();
      try {
        const record = await emu
          .sendCommand({
            name: 'digest-settings',
            subcommand: 'schedule',
            user: ADMIN,
            guildId: GUILD,
            channelId: GENERAL,
            // The emulator knows no command definitions here: the channel option says its type (7).
            options: { channel: { type: 7, value: GENERAL }, time: '09:00', timezone: 'UTC' },
          })
          .settled({ timeoutMs: 20_000 });
        expect(record.original?.content).toContain('09:00');
        // The answer comes after the write.
        const saved = await client.query('SELECT guild_id, channel_id, time FROM guild_digests');
        expect(saved.rows).toEqual([{ guild_id: GUILD, channel_id: GENERAL, time: '09:00' }]);

        process.kill(bot.pgid, 'SIGTERM');
        expect(await bot.exited).toEqual({ code: 0, signal: null });
        // A backend ends a moment after its client hangs up: wait for the count to reach 0.
        const open = async () =>
          (
            await client.query<{ count: number }>(
              "SELECT count(*)::integer AS count FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'broadsheet%'",
            )
          ).rows[0]!.count;
        const deadline = Date.now() + 10_000;
        while ((await open()) > 0 && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 50));
        expect(await open()).toBe(0);
      } finally {
        await client.end();
      }
      expect(bot.output()).not.toContain(PASSWORD);
    },
    90_000,
  );
});
