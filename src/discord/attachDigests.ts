import type { Client } from 'discord.js';
import type { Config } from '../config.ts';
import type { CommandContext } from './command.ts';

/** Server digests and subscriptions: wired in by the digest module (database + scheduler). */
export async function attachDigests(
  _context: CommandContext,
  _client: Client,
  _config: Config,
): Promise<void> {}
