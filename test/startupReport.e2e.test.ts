import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { REST, type Client } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../commands/index.ts';
import { deployCommands } from '../src/discord/deployCommands.ts';
import { compareCommands, inviteUrl, reportStartup } from '../src/discord/startupReport.ts';
import { createLogger } from '../src/logger.ts';
import { startHarness, TOKEN, type Harness } from './support/bot.ts';

const definitions = commands.map((command) => command.data);

function captureLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger('info', stream, 'json'), lines };
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

describe('start-up report', () => {
  it('GIVEN commands never deployed THEN it says so with the exact command to run, then up to date after a deploy', async () => {
    const client = h.bot.client as Client<true>;
    const before = captureLogger();
    await reportStartup(client, { definitions, logger: before.logger });
    const messages = before.lines.map((line) => String(line.msg));
    expect(messages).toContain(`logged in as ${client.user.tag} in 1 server`);
    const drift = before.lines.find((line) => String(line.msg).includes('differ from this version'));
    expect(drift?.msg).toMatch(/run: npm run deploy-commands$/);
    expect(drift?.missing).toEqual(definitions.map((definition) => definition.name));
    const invite = before.lines.find((line) => line.invite)?.invite;
    expect(invite).toBe(inviteUrl(client.application.id));
    expect(String(invite)).toMatch(/scope=bot\+applications\.commands&permissions=\d+$/);

    const rest = new REST({ api: h.emu.apiUrl }).setToken(TOKEN);
    await deployCommands({ rest, dataDir: null, definitions });
    const after = captureLogger();
    await reportStartup(client, { definitions, logger: after.logger });
    expect(after.lines.map((line) => line.msg)).toContain('slash commands registered and up to date');
    expect(JSON.stringify(before.lines) + JSON.stringify(after.lines)).not.toContain(TOKEN);
  });

  it('GIVEN one command changed in the code THEN the drift names it', () => {
    const changed = definitions.map((definition) =>
      definition.name === 'search' ? { ...definition, description: 'Something else' } : definition,
    );
    expect(compareCommands(changed, definitions)).toEqual({ missing: [], changed: ['search'], extra: [] });
  });
});

describe('deploy-commands against a Discord that does not answer', () => {
  it('GIVEN no answer THEN it fails within 15 s naming the URL and the likely cause', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/deploy.ts')], {
      env: {
        ...process.env,
        DISCORD_TOKEN: TOKEN,
        DISCORD_CLIENT_ID: '1300000000000000001',
        DISCORD_API_URL: `http://127.0.0.1:${port}/api`,
        DATA_DIR: path.resolve('data'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    for (const socket of sockets) socket.destroy();
    silent.close();
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(stderr).toContain(`Discord did not answer within 15 s at http://127.0.0.1:${port}/api`);
    expect(stderr).not.toContain(TOKEN);
  }, 40_000);
});
