import readline from 'node:readline';
import type { Library } from '../search/library.ts';
import { parseCommandLine, tokenize } from './commandLine.ts';
import { outcomeToJson, outcomeToText } from './formatText.ts';
import { runLocalCommand, type LocalOutcome } from './localCommands.ts';

export interface TerminalOptions {
  /** Command-line words after the script name (`search "deep learning" --json`). */
  argv: string[];
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
  /** Shown once when a person (a TTY) starts the prompt. */
  banner?: string;
}

/** The library as it is now: a watched corpus swaps a new one in between two lines. */
export interface CurrentLibrary {
  readonly current: Library;
}

/** Whether these command-line words run one command and exit (no prompt, no pipe to keep reading). */
export function isOneShot(argv: readonly string[]): boolean {
  return argv.some((arg) => arg !== '--json');
}

/**
 * Local mode: the bot's commands in a terminal. A command on the command line runs once; a terminal
 * gets a prompt; piped input is answered line by line (with --json, one JSON line per command). Each
 * line reads `library.current` when it is answered, so a reload shows in the next line typed.
 * Resolves with the process exit code.
 */
export async function runTerminal(
  library: Library | CurrentLibrary,
  options: TerminalOptions,
): Promise<number> {
  const current = (): Library => ('current' in library ? library.current : library);
  const jsonAlways = options.argv.includes('--json');
  const argv = options.argv.filter((arg) => arg !== '--json');
  const color = !jsonAlways && Boolean(options.output.isTTY) && !process.env.NO_COLOR;
  const width = terminalWidth(options.output);
  const answer = (tokens: string[]): { outcome: LocalOutcome; json: boolean } | null => {
    const line = parseCommandLine(tokens);
    if (!line) return null;
    // `--json` on one line of the prompt asks for JSON for that line only.
    const json = jsonAlways || line.flags.get('json') === true;
    try {
      return { outcome: runLocalCommand(current(), line), json };
    } catch (error) {
      // A bug must not end an interactive session; say so and carry on.
      const message = error instanceof Error ? error.message : String(error);
      return { outcome: { command: line.name, error: `Something went wrong: ${message}` }, json };
    }
  };
  // The reader of a pipe may go before the answers end (`| head`): stop answering, quietly.
  let readerGone = false;
  options.output.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    readerGone = true;
  });
  const print = ({ outcome, json }: { outcome: LocalOutcome; json: boolean }) => {
    if (readerGone) return;
    const text = json ? outcomeToJson(outcome) : outcomeToText(outcome, color && !json, width);
    options.output.write(text + '\n');
  };

  if (argv.length > 0) {
    const answered = answer(argv);
    if (!answered || answered.outcome.command === 'quit') return 0;
    print(answered);
    return exitCodeOf(answered.outcome);
  }

  const interactive = Boolean(options.input.isTTY) && !jsonAlways;
  const rl = readline.createInterface({
    input: options.input,
    output: interactive ? options.output : undefined,
    terminal: interactive,
  });
  if (interactive) {
    if (options.banner) options.output.write(options.banner + '\n');
    rl.setPrompt('broadsheet> ');
    rl.prompt();
  }
  let code = 0;
  for await (const raw of rl) {
    if (readerGone) break;
    const answered = answer(tokenize(raw.slice(0, MAX_LINE_CHARS).trim()));
    if (answered?.outcome.command === 'quit') break;
    if (answered) {
      print(answered);
      code = Math.max(code, exitCodeOf(answered.outcome));
    }
    if (interactive) {
      if (answered && !answered.json) options.output.write('\n');
      rl.prompt();
    }
  }
  rl.close();
  return interactive ? 0 : code;
}

/** Longer lines are cut before anything reads or echoes them (a query uses its first 300 characters). */
const MAX_LINE_CHARS = 2_000;

/**
 * 0 when a command answered with something, 1 when it found nothing (no match, no such topic or
 * article), 2 when it was not a valid command; piped input exits with the highest of its lines.
 */
export function exitCodeOf(outcome: LocalOutcome): number {
  if ('error' in outcome) return 2;
  if ('result' in outcome && outcome.result.kind === 'results' && !outcome.result.items.length) return 1;
  return 0;
}

/** The width to wrap text to: the terminal's, or COLUMNS when set; null (no wrapping) for pipes. */
function terminalWidth(output: TerminalOptions['output']): number | null {
  const columns = (output as { columns?: number }).columns;
  if (output.isTTY && columns && columns >= 20) return columns;
  const fromEnv = Number(process.env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv >= 20 ? fromEnv : null;
}
