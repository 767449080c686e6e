import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REST } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../commands/index.ts';
import { deployCommands } from '../src/discord/deployCommands.ts';
import type { Emulator } from './emulator/index.ts';
import { articleFile, tempDir, writeCorpus } from './support/articles.ts';
import { ADMIN, GENERAL, GUILD, TOKEN } from './support/bot.ts';
import { newsroomEmulator } from './support/processes.ts';

const definitions = commands.map((command) => command.data);

const corpus = writeCorpus({
  'a.md': articleFile({ title: 'Self-driving cars learn to see pedestrians', topics: ['AI'] }),
});

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm start` as a user runs it: the real entry point in its own process, configured by environment. */
function startBotProcess(emu: Emulator, token = TOKEN): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/main.ts')], {
    env: {
      ...process.env,
      DISCORD_TOKEN: token,
      DISCORD_API_URL: emu.apiUrl,
      ARTICLES_DIR: corpus,
      DATA_DIR: tempDir(),
      LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

let emu: Emulator | undefined;
let running: Running | undefined;

afterEach(async () => {
  running?.child.kill('SIGKILL');
  await emu?.close();
  emu = undefined;
  running = undefined;
});

async function freshEmulator(): Promise<Emulator> {
  emu = await newsroomEmulator();
  return emu;
}

describe('npm start with DISCORD_TOKEN', () => {
  it('GIVEN a valid token THEN the bot serves commands, logs no secret, and SIGTERM shuts it down with 0', async () => {
    const emulator = await freshEmulator();
    running = startBotProcess(emulator);
    await emulator.waitForReady(60_000);
    const record = await emulator
      .sendCommand({
        name: 'search',
        options: { query: 'self-driving' },
        user: ADMIN,
        guildId: GUILD,
        channelId: GENERAL,
      })
      .settled({ timeoutMs: 20_000 });
    expect(record.original?.embeds[0]?.title).toContain('Self-driving cars');
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    const logs = running.output();
    expect(logs).toContain('bot ready');
    expect(logs).toContain('interaction handled');
    expect(logs).not.toContain(TOKEN);
    expect(logs).not.toContain(record.token); // the interaction token never reaches a log line
    expect(emulator.takeViolations()).toEqual([]);
  }, 90_000);

  it('GIVEN a token Discord rejects THEN the process exits 1 with a message that names the fix', async () => {
    const emulator = await freshEmulator();
    const wrong = 'MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GAbCdE.wrongwrongwrongwrongwrongwrongwrong';
    running = startBotProcess(emulator, wrong);
    expect(await running.exited).toBe(1);
    expect(running.output()).toMatch(/rejected|4004|token/i);
    expect(running.output()).not.toContain(wrong);
  }, 90_000);

  it('GIVEN the gateway closes with 4014 (disallowed intents) THEN the process exits 1 and says why', async () => {
    const emulator = await freshEmulator();
    running = startBotProcess(emulator);
    await emulator.waitForReady(60_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    emulator.closeWith(4014);
    expect(await running.exited).toBe(1);
    expect(running.output()).toMatch(/4014|privileged intent/);
  }, 90_000);
});

describe('deploy-commands', () => {
  it('GIVEN a development server THEN commands register there (the emulator checks Discord’s rules), once', async () => {
    const emulator = await freshEmulator();
    const rest = new REST({ api: emulator.apiUrl }).setToken(TOKEN);
    const dataDir = tempDir();
    const first = await deployCommands({ rest, guildId: GUILD, dataDir, definitions });
    expect(first).toMatchObject({ scope: `guild:${GUILD}`, skipped: false });
    expect(emulator.commands(GUILD).map((command) => command.name)).toEqual(
      expect.arrayContaining([
        'search',
        'topic',
        'topics',
        'related',
        'trending',
        'digest',
        'help',
        'digest-settings',
      ]),
    );
    expect(await deployCommands({ rest, guildId: GUILD, dataDir, definitions })).toMatchObject({
      skipped: true,
    });
    const global = await deployCommands({ rest, dataDir, definitions });
    expect(global).toMatchObject({ scope: 'global', skipped: false });
    expect(emulator.takeViolations()).toEqual([]);
  });
});
