import path from 'node:path';
import { REST } from 'discord.js';
import { commands } from '../commands/index.ts';
import { ConfigError, loadConfig } from './config.ts';
import { deployCommands } from './discord/deployCommands.ts';

const DEPLOY_TIMEOUT_MS = 15_000;

/** Why the deploy failed, naming the URL and the likely cause; never the token. */
function describeDeployError(error: unknown, apiUrl: string): string {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'AbortError' || /aborted|timeout/i.test(message)) {
    return `Discord did not answer within ${DEPLOY_TIMEOUT_MS / 1000} s at ${apiUrl}. Check the network (a proxy or firewall) and DISCORD_API_URL.`;
  }
  const code = (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `cannot reach ${apiUrl} (${code}). Check DISCORD_API_URL and the network.`;
  }
  if ((error as { status?: number }).status === 401) {
    return 'Discord rejected DISCORD_TOKEN (401). Reset the token in the developer portal and set it again.';
  }
  return message;
}

/** `npm run deploy-commands`: the composition root of the deploy script. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  if (!config.DISCORD_TOKEN) {
    process.stderr.write('deploy-commands needs DISCORD_TOKEN (see .env.example).\n');
    process.exit(1);
  }
  // One try of 15 s per request: a Discord that does not answer is reported, not retried for a minute.
  const rest = new REST({ api: config.DISCORD_API_URL, timeout: DEPLOY_TIMEOUT_MS, retries: 0 }).setToken(
    config.DISCORD_TOKEN,
  );
  try {
    const result = await deployCommands({
      rest,
      applicationId: config.DISCORD_CLIENT_ID,
      guildId: config.DISCORD_GUILD_ID,
      dataDir: path.resolve(config.DATA_DIR),
      definitions: commands.map((command) => command.data),
      force: process.argv.includes('--force'),
    });
    process.stdout.write(
      result.skipped
        ? `Commands unchanged since the last deploy to ${result.scope}; nothing sent (use --force to resend).\n`
        : `Registered ${result.count} commands (${result.scope}).${result.scope === 'global' ? ' Global commands can take a while to appear.' : ''}\n`,
    );
  } catch (error) {
    process.stderr.write(`Deploy failed: ${describeDeployError(error, config.DISCORD_API_URL)}\n`);
    process.exit(1);
  }
}

await main();
