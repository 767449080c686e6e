import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  Routes,
  type REST,
  type APIApplication,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';

export interface DeployOptions {
  rest: REST;
  /** Read from the API (`GET /applications/@me`) when absent. */
  applicationId?: string;
  /** Register to this server only (instant; for development). Globally otherwise. */
  guildId?: string;
  /** Remembers what was registered, so unchanged definitions are not sent again. */
  dataDir: string | null;
  force?: boolean;
  /** The registry's definitions, from the composition root. */
  definitions: readonly RESTPostAPIChatInputApplicationCommandsJSONBody[];
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
  const definitions = options.definitions;
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
