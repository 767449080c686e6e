import path from 'node:path';
import { REST } from 'discord.js';
import { commands } from '../commands/index.ts';
import { ConfigError, loadConfig } from './config.ts';
import { deployCommands } from './discord/deployCommands.ts';

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
  const rest = new REST({ api: config.DISCORD_API_URL }).setToken(config.DISCORD_TOKEN);
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
    process.stderr.write(`Deploy failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

await main();
