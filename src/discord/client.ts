import { Client, GatewayIntentBits, Partials } from 'discord.js';

/**
 * The bot's client. Guilds for slash commands in servers, DirectMessages + the Channel partial for
 * DM lookups (DM channels are not cached before their first message); no privileged intent.
 * Mentions are off for every message unless one explicitly allows a role.
 */
export function createClient(apiUrl: string): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages],
    partials: [Partials.Channel],
    allowedMentions: { parse: [], repliedUser: false },
    rest: { api: apiUrl },
  });
}

/** Gateway close codes after which reconnecting cannot help: the configuration is wrong. */
export const FATAL_CLOSE_CODES: ReadonlyMap<number, string> = new Map([
  [
    4004,
    'the token was rejected (4004 Authentication failed). Reset it in the developer portal and set DISCORD_TOKEN.',
  ],
  [4010, 'an invalid shard was sent (4010).'],
  [4011, 'the bot is in too many servers for one shard (4011 Sharding required).'],
  [4012, 'the gateway API version is invalid (4012).'],
  [4013, 'invalid intents were sent (4013).'],
  [4014, 'a privileged intent is not enabled for this bot (4014 Disallowed intents).'],
]);
