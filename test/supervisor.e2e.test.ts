import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from './emulator/index.ts';
import { articleFile, tempDir, writeCorpus } from './support/articles.ts';
import {
  eventually,
  killGroup,
  newsroomEmulator,
  botEnv,
  startInGroup,
  waitForGroupGone,
  type GroupProcess,
} from './support/processes.ts';
import { freeLoopbackPort } from './support/ports.ts';

/**
 * Stops under a supervisor: each entry a host may run is started in its own process group, only the
 * process the supervisor started is signalled, and nothing of the tree may be left after 10 s.
 */
const corpus = writeCorpus({
  'a.md': articleFile({ title: 'Self-driving cars learn to see pedestrians', topics: ['AI'] }),
});
const root = path.resolve(import.meta.dirname, '..');
const STOP_WITHIN_MS = 10_000;

let emu: Emulator | undefined;
let running: GroupProcess[] = [];

afterEach(async () => {
  for (const group of running) killGroup(group.pgid);
  running = [];
  await emu?.close();
  emu = undefined;
});

function start(command: string, args: string[], env: NodeJS.ProcessEnv, stdin?: 'pipe'): GroupProcess {
  const group = startInGroup(command, args, { ...process.env, ...env }, { stdin });
  running.push(group);
  return group;
}

/** The bot closed its gateway session the way Discord wants to be told (1000/1001), and never vanished. */
async function expectCleanGatewayClose(emulator: Emulator): Promise<void> {
  await eventually(() => emulator.gatewayCloses.length > 0, 'the gateway socket to close');
  expect(emulator.gatewayCloses.map((close) => close.code)).toEqual([1000]);
}

const ENTRIES: { name: string; command: string; args: string[]; signals: NodeJS.Signals[] }[] = [
  { name: 'npm start', command: 'npm', args: ['start'], signals: ['SIGTERM', 'SIGINT'] },
  { name: 'npm run start:prod', command: 'npm', args: ['run', 'start:prod'], signals: ['SIGTERM', 'SIGINT'] },
  { name: 'node dist/src/main.js', command: 'node', args: ['dist/src/main.js'], signals: ['SIGTERM'] },
];

beforeAll(() => {
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
  expect(build.status, `npm run build failed:\n${build.stdout}${build.stderr}`).toBe(0);
}, 120_000);

describe.each(ENTRIES)('$name with DISCORD_TOKEN under a supervisor', ({ command, args, signals }) => {
  it.each(signals)(
    'GIVEN a ready bot WHEN %s reaches only the process started THEN the whole tree stops cleanly, exit 0',
    async (signal) => {
      const emulator = (emu = await newsroomEmulator());
      const group = start(command, args, botEnv(emulator));
      await emulator.waitForReady(30_000);

      process.kill(group.pgid, signal);
      const tookMs = await waitForGroupGone(group.pgid, STOP_WITHIN_MS);

      expect(tookMs).toBeLessThan(STOP_WITHIN_MS);
      expect(await group.exited).toEqual({ code: 0, signal: null });
      expect(group.output()).toContain(`"signal":"${signal}"`);
      await expectCleanGatewayClose(emulator);
      expect(emulator.takeViolations()).toEqual([]);
    },
    40_000,
  );
});

describe('a stop requested during start-up', () => {
  it('GIVEN SIGTERM while the bot is still logging in THEN it finishes starting, then stops cleanly with 0', async () => {
    const emulator = (emu = await newsroomEmulator());
    const group = start('node', ['dist/src/main.js'], botEnv(emulator));
    await eventually(() => group.output().includes('library loaded'), 'the library to load', 30_000);

    process.kill(group.pgid, 'SIGTERM');
    await waitForGroupGone(group.pgid, STOP_WITHIN_MS);

    expect(await group.exited).toEqual({ code: 0, signal: null });
    await expectCleanGatewayClose(emulator);
  }, 40_000);
});

/** The runtime stage of the Dockerfile: its ENV, its CMD and its HEALTHCHECK command (exec forms). */
function imageRuntime(): { env: Record<string, string>; cmd: string[]; healthcheck: string[] } {
  const text = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stage = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, pairs] of stage.matchAll(/^ENV (.+)$/gm))
    for (const [, key, value] of pairs!.matchAll(/(\w+)=(\S+)/g)) env[key!] = value!;
  const cmd = JSON.parse(/^CMD (\[.+\])$/m.exec(stage)![1]!) as string[];
  const healthcheck = JSON.parse(/^HEALTHCHECK .*?CMD (\[.+\])$/m.exec(stage)![1]!) as string[];
  return { env, cmd, healthcheck };
}

describe('the Docker image’s command', () => {
  it('GIVEN the Dockerfile’s ENV and CMD THEN the bot serves, its HEALTHCHECK passes, and SIGTERM stops it with 0', async () => {
    const image = imageRuntime();
    expect(image.cmd).toEqual(['node', 'dist/src/main.js']);
    const port = await freeLoopbackPort(); // the image's 8080 may be taken here
    const emulator = (emu = await newsroomEmulator());
    const group = start(image.cmd[0]!, image.cmd.slice(1), {
      ...image.env,
      ...botEnv(emulator), // the volumes (/data, /articles) become temp folders
      HEALTH_PORT: String(port),
    });
    await emulator.waitForReady(30_000);
    const healthcheck = image.healthcheck.map((arg) => arg.replaceAll(':8080/', `:${port}/`));
    await eventually(
      () => spawnSync(healthcheck[0]!, healthcheck.slice(1), { timeout: 5_000 }).status === 0,
      'the HEALTHCHECK command to pass',
      15_000,
    );

    process.kill(group.pgid, 'SIGTERM');
    await waitForGroupGone(group.pgid, STOP_WITHIN_MS);
    expect(await group.exited).toEqual({ code: 0, signal: null });
    await expectCleanGatewayClose(emulator);
  }, 40_000);
});

describe('npm start in local mode (no DISCORD_TOKEN)', () => {
  it('GIVEN the prompt waiting on an open stdin WHEN SIGTERM reaches npm THEN nothing is left, exit 0', async () => {
    const group = start(
      'npm',
      ['start'],
      { DISCORD_TOKEN: '', ARTICLES_DIR: corpus, DATA_DIR: tempDir(), NO_COLOR: '1' },
      'pipe',
    );
    await eventually(() => group.output().includes('Broadsheet local mode'), 'the local prompt', 30_000);

    process.kill(group.pgid, 'SIGTERM');
    await waitForGroupGone(group.pgid, STOP_WITHIN_MS);

    expect(await group.exited).toEqual({ code: 0, signal: null });
  }, 40_000);
});

describe('the parent-death guard', () => {
  it('GIVEN the bot started by a parent WHEN the parent is SIGKILLed THEN the bot shuts down cleanly within 5 s', async () => {
    const emulator = (emu = await newsroomEmulator());
    // A parent that can pass nothing on: it dies by SIGKILL, and the bot is re-parented.
    const parent = start(
      process.execPath,
      [
        '-e',
        `require('node:child_process').spawn(process.execPath, ['dist/src/main.js'], { stdio: 'inherit' }); setInterval(() => {}, 1000);`,
      ],
      botEnv(emulator),
    );
    await emulator.waitForReady(30_000);

    process.kill(parent.pgid, 'SIGKILL');
    await waitForGroupGone(parent.pgid, 5_000);

    expect(parent.output()).toContain('"signal":"parent-exited"');
    await expectCleanGatewayClose(emulator);
  }, 40_000);
});

describe('onShutdownSignal', () => {
  const moduleUrl = pathToFileURL(path.join(root, 'src/ops/shutdownSignals.ts')).href;
  const script = (body: string) =>
    `import { onShutdownSignal } from ${JSON.stringify(moduleUrl)}; ${body} setInterval(() => {}, 1000); process.stdout.write('ready\\n');`;
  const run = (body: string) =>
    start(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(body)], {});
  const ready = (group: GroupProcess) =>
    eventually(() => group.output().includes('ready'), 'the script to install its handler', 15_000);

  it('GIVEN a handler that never finishes WHEN SIGTERM arrives THEN the process exits 1 after the grace period', async () => {
    const group = run(`onShutdownSignal(() => new Promise(() => {}), { graceMs: 300 });`);
    await ready(group);
    const sent = Date.now();
    process.kill(group.pgid, 'SIGTERM');
    expect(await group.exited).toEqual({ code: 1, signal: null });
    expect(Date.now() - sent).toBeGreaterThanOrEqual(250);
    expect(group.output()).toContain('did not finish within 300 ms');
  }, 20_000);

  it('GIVEN two signals THEN the handler runs once, and the process exits 0 when it resolves', async () => {
    const group = run(
      `onShutdownSignal(async (reason) => { process.stdout.write('handler ' + reason + '\\n'); await new Promise((r) => setTimeout(r, 200)); });`,
    );
    await ready(group);
    process.kill(group.pgid, 'SIGINT');
    process.kill(group.pgid, 'SIGTERM');
    expect(await group.exited).toEqual({ code: 0, signal: null });
    expect(group.output().match(/handler \w+/g)).toHaveLength(1); // two pending signals come in either order
  }, 20_000);
});
