import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Routes } from 'discord.js';
import pino from 'pino';

import { commands } from '../../commands/index.ts';
import { createDigests, type Digests } from '../../src/discord/digests.ts';
import { createDigestRest } from '../../src/discord/discordDelivery.ts';
import type { Library } from '../../src/search/library.ts';
import { SqliteStore } from '../../src/store/sqliteStore.ts';
import type { EmulatorOptions } from '../emulator/index.ts';
import { TOKEN, startHarness, type Harness } from '../support/bot.ts';

/** Never fires during a test: the tests call `tick()` themselves. */
export const NEVER = '0 0 0 1 1 *';

export interface DigestBot {
  h: Harness;
  store: SqliteStore;
  digests: Digests;
  dir: string;
  /** Drains the bot, stops the digests, closes the store, the emulator and removes the data folder. */
  stop(): Promise<void>;
}

/**
 * The bot with its digest service on a fresh SQLite store against the emulator, the commands
 * registered: what the digest end-to-end tests share.
 */
export async function startDigestBot(options: {
  library: Library;
  now: () => number;
  emulator?: EmulatorOptions;
}): Promise<DigestBot> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broadsheet-digest-bot-'));
  const store = SqliteStore.openInDataDir(dir);
  const rest = createDigestRest(TOKEN);
  // The digests read the library of the bot started next.
  let harness: Harness | undefined = undefined;
  const digests = createDigests({
    store,
    rest,
    library: () => harness!.bot.context.library.current,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    now: options.now,
    cronExpression: NEVER,
  });
  const h = await startHarness({
    library: options.library,
    ...(options.emulator && { emulator: options.emulator }),
    bot: { digest: digests.service },
  });
  harness = h;
  rest.options.api = h.emu.apiUrl;
  await digests.start();
  await h.bot.client.rest.put(Routes.applicationCommands(h.emu.application.id), {
    body: commands.map((command) => command.data),
  });
  return {
    h,
    store,
    digests,
    dir,
    async stop() {
      await h.bot.drain();
      await digests.stop();
      await store.close();
      await h.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
