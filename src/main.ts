import path from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.ts';
import type { LoadedLibrary } from './search/loadLibrary.ts';
import { loadLibraryInBackground } from './search/loadLibraryInBackground.ts';
import { runTerminal } from './local/terminal.ts';
import { summarizeProblems } from './articles/problems.ts';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable and its default.\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function openLibrary(config: Config): Promise<LoadedLibrary> {
  const articlesDir = path.resolve(config.ARTICLES_DIR);
  try {
    return await loadLibraryInBackground({
      articlesDir,
      dataDir: path.resolve(config.DATA_DIR),
      maxFileBytes: config.MAX_ARTICLE_BYTES,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : String(error);
    process.stderr.write(
      `ARTICLES_DIR ${articlesDir} ${reason}. Point ARTICLES_DIR at a folder of article files.\n`,
    );
    process.exit(1);
  }
}

/** Composition root: config → corpus → index → front end (Discord when a token is set, else the terminal). */
async function main(): Promise<void> {
  const config = readConfig();
  const loaded = await openLibrary(config);
  const { library, problems, timings } = loaded;

  if (config.DISCORD_TOKEN) {
    const { startBot } = await import('./discord/startBot.ts');
    await startBot(config, loaded);
    return;
  }

  const summary = `${library.size.toLocaleString('en-US')} article${library.size === 1 ? '' : 's'} from ${config.ARTICLES_DIR} in ${Math.round(timings.totalMs)} ms`;
  const problemLines = summarizeProblems(problems, 5);
  process.stderr.write(`Broadsheet local mode (no DISCORD_TOKEN): ${summary}.\n${problemLines}`);
  const code = await runTerminal(library, {
    argv: process.argv.slice(2),
    input: process.stdin,
    output: process.stdout,
    banner: 'Type `help` for the commands, `quit` to leave. Try: search deep learning',
  });
  process.exitCode = code;
}

await main();
