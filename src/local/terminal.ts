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

/**
 * Local mode: the bot's commands in a terminal. A command on the command line runs once; a terminal
 * gets a prompt; piped input is answered line by line (with --json, one JSON line per command).
 * Resolves with the process exit code.
 */
export async function runTerminal(library: Library, options: TerminalOptions): Promise<number> {
  const json = options.argv.includes('--json');
  const argv = options.argv.filter((arg) => arg !== '--json');
  const color = !json && Boolean(options.output.isTTY) && !process.env.NO_COLOR;
  const answer = (tokens: string[]): LocalOutcome | null => {
    const line = parseCommandLine(tokens);
    if (!line) return null;
    if (json) line.flags.set('json', true);
    try {
      return runLocalCommand(library, line);
    } catch (error) {
      // A bug must not end an interactive session; say so and carry on.
      return {
        command: line.name,
        error: `Something went wrong: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  };
  const print = (outcome: LocalOutcome) => {
    options.output.write((json ? outcomeToJson(outcome) : outcomeToText(outcome, color)) + '\n');
  };

  if (argv.length > 0) {
    const outcome = answer(argv);
    if (!outcome || outcome.command === 'quit') return 0;
    print(outcome);
    return 'error' in outcome ? 1 : 0;
  }

  const interactive = Boolean(options.input.isTTY) && !json;
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
  for await (const raw of rl) {
    const outcome = answer(tokenize(raw.trim()));
    if (outcome?.command === 'quit') break;
    if (outcome) print(outcome);
    if (interactive) {
      if (outcome && !json) options.output.write('\n');
      rl.prompt();
    }
  }
  rl.close();
  return 0;
}
