import {
  OAuth2Scopes,
  PermissionFlagsBits,
  PermissionsBitField,
  Routes,
  type APIApplicationCommand,
  type Client,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Logger } from '../logger.ts';

/**
 * What the bot needs in a digest channel, by the name the Discord client shows: see it, post, embed
 * links, and read its history (a digest resumed after an outage looks for its own earlier post).
 */
export const CHANNEL_PERMISSIONS = [
  ['View Channel', PermissionFlagsBits.ViewChannel],
  ['Send Messages', PermissionFlagsBits.SendMessages],
  ['Embed Links', PermissionFlagsBits.EmbedLinks],
  ['Read Message History', PermissionFlagsBits.ReadMessageHistory],
] as const;

/** The invite asks for the channel permissions and those a digest posted as a thread needs too. */
export const BOT_PERMISSIONS = new PermissionsBitField([
  ...CHANNEL_PERMISSIONS.map(([, flag]) => flag),
  PermissionFlagsBits.CreatePublicThreads,
  PermissionFlagsBits.SendMessagesInThreads,
]);

export function inviteUrl(applicationId: string): string {
  const query = new URLSearchParams({
    client_id: applicationId,
    scope: [OAuth2Scopes.Bot, OAuth2Scopes.ApplicationsCommands].join(' '),
    permissions: BOT_PERMISSIONS.bitfield.toString(),
  });
  return `https://discord.com/oauth2/authorize?${query.toString()}`;
}

type Definition = RESTPostAPIChatInputApplicationCommandsJSONBody;

/** The parts of a command a user sees; Discord adds ids, versions and defaults to what it returns. */
function shapeOf(command: Pick<Definition, 'name' | 'description' | 'options'>): string {
  const options = (list: readonly unknown[] | undefined): unknown =>
    (list ?? []).map((option) => {
      const {
        name,
        description,
        type,
        required,
        options: nested,
        choices,
      } = option as Record<string, unknown>;
      return {
        name,
        description,
        type,
        required: Boolean(required),
        choices: (choices as { value: unknown }[] | undefined)?.map((choice) => choice.value) ?? [],
        options: options(nested as unknown[] | undefined),
      };
    });
  return JSON.stringify({
    name: command.name,
    description: command.description,
    options: options(command.options),
  });
}

export interface CommandDrift {
  missing: string[];
  changed: string[];
  extra: string[];
}

export function compareCommands(
  code: readonly Definition[],
  registered: readonly Pick<APIApplicationCommand, 'name' | 'description' | 'options'>[],
): CommandDrift {
  const remote = new Map(registered.map((command) => [command.name, shapeOf(command)]));
  const local = new Set(code.map((command) => command.name));
  return {
    missing: code.filter((command) => !remote.has(command.name)).map((command) => command.name),
    changed: code
      .filter((command) => remote.has(command.name) && remote.get(command.name) !== shapeOf(command))
      .map((command) => command.name),
    extra: registered.filter((command) => !local.has(command.name)).map((command) => command.name),
  };
}

/**
 * What a host wants to know once the bot is up: who it is and where, whether Discord has this version's
 * slash commands (and the exact line to run when not), and the invite link. Never throws.
 */
export async function reportStartup(
  client: Client<true>,
  options: { definitions: readonly Definition[]; guildId?: string | undefined; logger: Logger },
): Promise<void> {
  const { logger } = options;
  const applicationId = client.application.id;
  logger.info(
    { user: client.user.tag, guilds: client.guilds.cache.size },
    `logged in as ${client.user.tag} in ${client.guilds.cache.size} server${client.guilds.cache.size === 1 ? '' : 's'}`,
  );
  logger.info({ invite: inviteUrl(applicationId) }, 'invite link (scopes bot and applications.commands)');
  try {
    const route = options.guildId
      ? Routes.applicationGuildCommands(applicationId, options.guildId)
      : Routes.applicationCommands(applicationId);
    const registered = (await client.rest.get(route)) as APIApplicationCommand[];
    const drift = compareCommands(options.definitions, registered);
    const scope = options.guildId ? `server ${options.guildId}` : 'global';
    if (!drift.missing.length && !drift.changed.length && !drift.extra.length) {
      logger.info({ scope, commands: registered.length }, 'slash commands registered and up to date');
      return;
    }
    const fix = options.guildId
      ? `DISCORD_GUILD_ID=${options.guildId} npm run deploy-commands`
      : 'npm run deploy-commands';
    logger.warn(
      { scope, ...drift },
      `slash commands registered with Discord differ from this version; run: ${fix}`,
    );
  } catch (error) {
    logger.warn({ err: error }, 'could not check the registered slash commands');
  }
}
