import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from './emulator/index.ts';
import {
  eventually,
  killGroup,
  newsroomEmulator,
  startBotInGroup,
  waitForGroupGone,
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

describe('a stop during start-up', () => {
  it('GIVEN a gateway that never becomes ready WHEN SIGTERM arrives THEN the process still exits 0 within 10 s', async () => {
    emu = await newsroomEmulator({ identifyAnswer: 'nothing' });
    running = startBotInGroup(emu, { STARTUP_TIMEOUT_SECONDS: '120' });
    const bot = running;
    await eventually(() => bot.output().includes('library loaded'), 'the library', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stoppedAt = Date.now();
    process.kill(bot.pgid, 'SIGTERM');
    expect(await bot.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    await waitForGroupGone(bot.pgid, 2_000);
    expect(bot.output()).toContain('shutting down');
  }, 40_000);
});
