import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/index.ts';
import { articleFile, tempDir, writeCorpus } from './articles.ts';
import { ADMIN, GENERAL, GUILD, TOKEN } from './bot.ts';

/** One guild with one channel and its owner: enough for a bot process to log in and serve. */
export function newsroomEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({
    token: TOKEN,
    // Discord's is 41 s. Half a second made any stall of a loaded CI machine a zombie connection
    // (discord.js closes with 4200 and resumes), which these process tests do not look at.
    heartbeatIntervalMs: 5_000,
    users: [ADMIN],
    guilds: [
      {
        id: GUILD,
        name: 'Newsroom',
        ownerId: ADMIN.id,
        members: [{ user: ADMIN.id }],
        channels: [{ id: GENERAL, name: 'general' }],
      },
    ],
    ...options,
  });
}

export interface GroupProcess {
  child: ChildProcess;
  /** The process group: the child leads it, everything it starts inherits it. */
  pgid: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * A command as a supervisor starts it: in its own process group, so a test can signal the one process it
 * started and then look for anything of the tree left behind. stdin stays an open pipe unless `stdin` is
 * 'ignore'.
 */
export function startInGroup(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  { stdin = 'ignore' }: { stdin?: 'ignore' | 'pipe' } = {},
): GroupProcess {
  const child = spawn(command, args, { env, detached: true, stdio: [stdin, 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  if (child.pid === undefined) throw new Error(`${command} did not start`);
  return { child, pgid: child.pid, output: () => output, exited };
}

/** Processes of group `pgid` still alive (zombies are dead, only not yet reaped, and are left out). */
export function groupMembers(pgid: number): { pid: number; command: string }[] {
  const members: { pid: number; command: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone while we looked
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'.
    const close = stat.lastIndexOf(')');
    const [state, , pgrp] = stat.slice(close + 2).split(' ');
    if (Number(pgrp) !== pgid || state === 'Z') continue;
    members.push({ pid: Number(entry), command: stat.slice(stat.indexOf('(') + 1, close) });
  }
  return members;
}

/** Resolves with the milliseconds it took group `pgid` to empty; rejects naming what is left after `timeoutMs`. */
export async function waitForGroupGone(pgid: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const left = groupMembers(pgid);
    if (left.length === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `still running after ${timeoutMs} ms: ${left.map((p) => `${p.pid} ${p.command}`).join(', ')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGKILL to the whole group; a group already gone is fine. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Resolves once `predicate` holds, polling; rejects with `what` after `timeoutMs`. */
export async function eventually<T>(
  predicate: () => T | undefined | false,
  what: string,
  timeoutMs = 5_000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Like `eventually`, for a check that has to ask something asynchronous (a store, a bot). */
export async function eventuallyAsync(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
  pollMs = 50,
): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** The environment of a bot process logged in to `emulator`, with a one-article corpus and a fresh DATA_DIR. */
export function botEnv(emulator: Emulator, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    DISCORD_TOKEN: TOKEN,
    DISCORD_API_URL: emulator.apiUrl,
    ARTICLES_DIR: writeCorpus({
      'a.md': articleFile({ title: 'Self-driving cars learn to see pedestrians', topics: ['AI'] }),
    }),
    DATA_DIR: tempDir(), // cold: the library worker runs, from source or from dist
    ...extra,
  };
}

/** `node --import tsx src/main.ts` against `emulator`, in its own process group. */
export function startBotInGroup(emulator: Emulator, extra: NodeJS.ProcessEnv = {}): GroupProcess {
  return startInGroup(process.execPath, ['--import', 'tsx', path.resolve('src/main.ts')], {
    ...process.env,
    ...botEnv(emulator, extra),
  });
}

/** The JSON log lines in a process's output (other lines, such as npm's banner, are left out). */
export function logLines(output: string): Record<string, unknown>[] {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return []; // a line cut short by a kill
    }
  });
}

/** The pid of shard `id`'s current process, as the shard manager logged it when it started it. */
export function shardPid(output: string, id: number): number | undefined {
  const started = logLines(output).filter(
    (line) =>
      line.role === 'shard-manager' &&
      line.shard === id &&
      typeof line.pid === 'number' &&
      line.msg === `shard ${id} process started`,
  );
  return started.at(-1)?.pid as number | undefined;
}
