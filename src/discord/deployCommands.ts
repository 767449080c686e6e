import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  REST,
  Routes,
  type APIApplication,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { commands } from '../../commands/index.ts';
import { ConfigError, loadConfig } from '../config.ts';

export interface DeployOptions {
  rest: REST;
  /** Read from the API (`GET /applications/@me`) when absent. */
  applicationId?: string;
  /** Register to this server only (instant; for development). Globally otherwise. */
  guildId?: string;
  /** Remembers what was registered, so unchanged definitions are not sent again. */
  dataDir: string | null;
  force?: boolean;
  definitions?: RESTPostAPIChatInputApplicationCommandsJSONBody[];
}

export interface DeployResult {
  scope: string;
  count: number;
  skipped: boolean;
}

function hashOf(definitions: unknown): string {
  return createHash('sha256').update(JSON.stringify(definitions)).digest('hex');
}

/** Register the slash commands, only when their definitions changed since the last deploy. */
export async function deployCommands(options: DeployOptions): Promise<DeployResult> {
  const definitions = options.definitions ?? commands.map((command) => command.data);
  const applicationId =
    options.applicationId ?? ((await options.rest.get(Routes.currentApplication())) as APIApplication).id;
  const scope = options.guildId ? `guild:${options.guildId}` : 'global';
  const stateFile = options.dataDir ? path.join(options.dataDir, 'deployed-commands.json') : null;
  let state: Record<string, string> = {};
  if (stateFile) {
    try {
      state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as Record<string, string>;
    } catch {
      state = {};
    }
  }
  const key = `${applicationId}:${scope}`;
  const hash = hashOf(definitions);
  if (!options.force && state[key] === hash) return { scope, count: definitions.length, skipped: true };

  const route = options.guildId
    ? Routes.applicationGuildCommands(applicationId, options.guildId)
    : Routes.applicationCommands(applicationId);
  await options.rest.put(route, { body: definitions });
  if (stateFile) {
    fs.mkdirSync(path.dirname(stateFile), { recursive: true });
    fs.writeFileSync(stateFile, JSON.stringify({ ...state, [key]: hash }, null, 2));
  }
  return { scope, count: definitions.length, skipped: false };
}

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

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) await main();
