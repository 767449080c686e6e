import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * `npm run dev`: runs the bot (or local mode) and restarts it when a source file changes. Unlike
 * `tsx watch`, it never reads the keyboard: the prompt keeps it, so Return is a command and `quit`
 * leaves (the dev runner exits with the program's own exit code).
 */
const WATCHED = ['src', 'commands'];
const args = ['--import', 'tsx', path.resolve('src/main.ts'), ...process.argv.slice(2)];

let child: ChildProcess | null = null;
let restarting = false;
let timer: NodeJS.Timeout | undefined;

function start(): void {
  child = spawn(process.execPath, args, { stdio: 'inherit' });
  child.once('exit', (code, signal) => {
    child = null;
    if (restarting) {
      restarting = false;
      start();
      return;
    }
    // The program ended by itself (quit, a fatal error): so does the dev runner.
    process.exit(code ?? (signal ? 1 : 0));
  });
}

function restart(file: string): void {
  clearTimeout(timer);
  // One restart for a burst of saves (an editor writes several files, git checkout many).
  timer = setTimeout(() => {
    process.stderr.write(`\n[dev] ${file} changed; restarting\n`);
    if (!child) return start();
    restarting = true;
    child.kill('SIGTERM');
  }, 150);
}

for (const dir of WATCHED) {
  fs.watch(path.resolve(dir), { recursive: true }, (_event, file) => {
    if (file && /\.(ts|json)$/.test(file)) restart(path.join(dir, file));
  });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (child) child.kill(signal);
    else process.exit(0);
  });
}
start();
