import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from './emulator/index.ts';
import { TOKEN } from './support/bot.ts';
import {
  eventually,
  killGroup,
  newsroomEmulator,
  startBotInGroup,
  type GroupProcess,
} from './support/processes.ts';

let emu: Emulator | undefined;
let running: GroupProcess | undefined;
afterEach(async () => {
  if (running) killGroup(running.pgid);
  await emu?.close();
  emu = undefined;
  running = undefined;
});

function startBot(env: Record<string, string>): GroupProcess {
  return startBotInGroup(emu!, { NO_COLOR: '1', ...env });
}

describe('the bot’s logs', () => {
  it('GIVEN LOG_FORMAT=pretty THEN lines are readable with a date and time, not JSON', async () => {
    emu = await newsroomEmulator();
    running = startBot({ LOG_FORMAT: 'pretty' });
    const bot = running;
    await eventually(() => bot.output().includes('bot ready'), 'bot ready', 30_000);
    const lines = bot
      .output()
      .split('\n')
      .filter((line) => line.includes('bot ready'));
    expect(lines[0]).toMatch(/^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} [+-]\d{4}\] INFO: bot ready/);
    expect(bot.output()).not.toMatch(/^\{"level"/m);
    expect(bot.output()).not.toContain(TOKEN);
  }, 40_000);

  it('GIVEN output to a pipe and no LOG_FORMAT THEN lines are JSON with ISO times', async () => {
    emu = await newsroomEmulator();
    running = startBot({});
    const bot = running;
    await eventually(() => bot.output().includes('bot ready'), 'bot ready', 30_000);
    const ready = bot
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; time: string })
      .find((line) => line.msg === 'bot ready');
    expect(ready?.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  }, 40_000);
});
