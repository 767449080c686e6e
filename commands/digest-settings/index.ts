import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  PermissionFlagsBits,
  type APIApplicationCommandBasicOption,
} from 'discord.js';
import type { Command } from '../../src/discord/command.ts';
import { digestServiceOrExplain, replyPrivately, timeZoneChoices } from '../../src/discord/digestCommands.ts';
import { LIMITS } from '../../src/discord/limits.ts';
import { SERVER_ONLY } from '../../src/discord/replies.ts';
import { digestNameKey } from '../../src/store/types.ts';
import { list } from './list.ts';
import { DEFAULT_SIZE, DIGEST_CHANNEL_TYPES } from './options.ts';
import { pause, remove, resume } from './pause.ts';
import { postNow } from './postNow.ts';
import { saveDigest } from './schedule.ts';
import { status } from './status.ts';

const String_ = ApplicationCommandOptionType.String;

/** `name`: which digest; autocomplete offers the server's digests. */
const nameOption = (required: boolean, description = 'Which digest (autocomplete lists them)') =>
  ({
    type: String_,
    name: 'name',
    description,
    required,
    max_length: 32,
    autocomplete: true,
  }) satisfies APIApplicationCommandBasicOption;

/** The settings a digest has; `required` for a new one (channel, time, time zone). */
function settingsOptions(required: boolean): APIApplicationCommandBasicOption[] {
  return [
    {
      type: ApplicationCommandOptionType.Channel,
      name: 'channel',
      description: 'A text or announcement channel, or a forum (one post per digest)',
      required,
      channel_types: [...DIGEST_CHANNEL_TYPES],
    },
    {
      type: String_,
      name: 'time',
      description: 'Time of day, 24-hour HH:MM, e.g. 08:30',
      required,
      min_length: 4,
      max_length: 5,
    },
    {
      type: String_,
      name: 'timezone',
      description: 'The server’s time zone, e.g. Europe/Berlin',
      required,
      max_length: 64,
      autocomplete: true,
    },
    {
      type: ApplicationCommandOptionType.Integer,
      name: 'size',
      description: `Articles per digest, 1–10 (default ${DEFAULT_SIZE})`,
      min_value: 1,
      max_value: 10,
    },
    {
      type: String_,
      name: 'topics',
      description: 'Only these topics, comma-separated (default: every topic)',
      max_length: 1000,
    },
    {
      type: ApplicationCommandOptionType.Integer,
      name: 'min_quality',
      description: 'Only articles with at least this quality score, 0–100',
      min_value: 0,
      max_value: 100,
    },
    {
      type: ApplicationCommandOptionType.Role,
      name: 'role',
      description: 'A role to mention when the digest is posted',
    },
    {
      type: String_,
      name: 'delivery',
      description: 'Post as a message (default), a thread from a message, or a forum post',
      choices: [
        { name: 'message', value: 'message' },
        { name: 'thread', value: 'thread' },
        { name: 'forum post', value: 'forum' },
      ],
    },
    {
      type: ApplicationCommandOptionType.Boolean,
      name: 'repeats',
      description: 'May repeat articles another digest here posted, when topics overlap (default no)',
    },
  ];
}

const subcommand = (name: string, description: string, options: APIApplicationCommandBasicOption[] = []) => ({
  type: ApplicationCommandOptionType.Subcommand as const,
  name,
  description,
  options,
});

/** `/digest-settings`: the data Discord registers, and the route to one module per subcommand. */
export const digestSettings = {
  ephemeral: true,
  data: {
    name: 'digest-settings',
    description: 'This server’s digests: add, edit, list, pause, check or post one now (Manage Server)',
    type: ApplicationCommandType.ChatInput,
    ...SERVER_ONLY,
    default_member_permissions: String(PermissionFlagsBits.ManageGuild),
    options: [
      subcommand(
        'schedule',
        'Post a digest daily in a channel (the first one, or the one named; resumes it)',
        [...settingsOptions(true), nameOption(false, 'Which digest (default: the server’s first, "daily")')],
      ),
      subcommand('add', 'Add another digest, e.g. AI news in #ai and cloud news in #cloud', [
        { ...nameOption(true, 'A short name for it, e.g. AI news'), autocomplete: false },
        ...settingsOptions(true),
      ]),
      subcommand('edit', 'Change some settings of a digest', [
        nameOption(true),
        ...settingsOptions(false),
        { type: String_, name: 'rename', description: 'A new name for it', max_length: 32 },
      ]),
      subcommand('list', 'Every digest of this server'),
      subcommand('pause', 'Stop posting a digest until it is resumed', [nameOption(false)]),
      subcommand('resume', 'Post a paused digest again from its next time', [nameOption(false)]),
      subcommand('remove', 'Remove a digest, its schedule and history', [nameOption(true)]),
      subcommand('status', 'Next run, last run, problems, feedback learned, what would be posted', [
        nameOption(false),
      ]),
      subcommand('post-now', 'Post a digest in its channel now', [nameOption(false)]),
    ],
  },

  async execute(interaction, context, respond) {
    if (!interaction.inGuild()) {
      await replyPrivately(respond, 'This command only works in a server: it sets up that server’s digest.');
      return;
    }
    // Discord hides the command from members without Manage Server, but a client can send anything.
    if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
      await replyPrivately(
        respond,
        'Only members with the **Manage Server** permission can change or view this server’s digest.',
      );
      return;
    }
    const service = await digestServiceOrExplain(context, respond);
    if (!service) return;
    const library = context.library.current;
    switch (interaction.options.getSubcommand(false)) {
      case 'schedule':
        return saveDigest('schedule', interaction, service, respond, library);
      case 'add':
        return saveDigest('add', interaction, service, respond, library);
      case 'edit':
        return saveDigest('edit', interaction, service, respond, library);
      case 'list':
        return list(interaction, service, respond);
      case 'pause':
        return pause(interaction, service, respond);
      case 'resume':
        return resume(interaction, service, respond);
      case 'remove':
        return remove(interaction, service, respond);
      case 'status':
        return status(interaction, service, respond);
      case 'post-now':
        return postNow(interaction, service, respond);
      default:
        await replyPrivately(
          respond,
          'Unknown subcommand: use `add`, `edit`, `list`, `pause`, `resume`, `remove`, `status` or `post-now`.',
        );
    }
  },

  async autocomplete(interaction, context) {
    const focused = interaction.options.getFocused(true);
    if (focused.name === 'timezone') return timeZoneChoices(String(focused.value));
    if (focused.name !== 'name' || !interaction.inGuild() || !context.digest) return [];
    // Only members who may manage the digests see their names.
    if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) return [];
    const typed = digestNameKey(String(focused.value));
    const digests = await context.digest.store.listGuildDigests(interaction.guildId);
    return digests
      .filter((digest) => digestNameKey(digest.name).includes(typed))
      .slice(0, LIMITS.autocompleteChoices)
      .map((digest) => ({ name: digest.name, value: digest.name }));
  },
} satisfies Command;
