import { ApplicationCommandOptionType, ApplicationCommandType, PermissionFlagsBits } from 'discord.js';
import type { Command } from '../../src/discord/command.ts';
import { digestServiceOrExplain, replyPrivately, timeZoneChoices } from '../../src/discord/digestCommands.ts';
import { SERVER_ONLY } from '../../src/discord/replies.ts';
import { DEFAULT_SIZE, DIGEST_CHANNEL_TYPES } from './options.ts';
import { pause } from './pause.ts';
import { postNow } from './postNow.ts';
import { schedule } from './schedule.ts';
import { status } from './status.ts';

/** `/digest-settings`: the data Discord registers, and the route to one module per subcommand. */
export const digestSettings = {
  ephemeral: true,
  data: {
    name: 'digest-settings',
    description: 'Schedule this server’s daily digest, pause it, check it or post one now (Manage Server)',
    type: ApplicationCommandType.ChatInput,
    ...SERVER_ONLY,
    default_member_permissions: String(PermissionFlagsBits.ManageGuild),
    options: [
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'schedule',
        description: 'Post the daily digest in a channel at a time of day (resumes a paused digest)',
        options: [
          {
            type: ApplicationCommandOptionType.Channel,
            name: 'channel',
            description: 'The text or announcement channel to post in',
            required: true,
            channel_types: [...DIGEST_CHANNEL_TYPES],
          },
          {
            type: ApplicationCommandOptionType.String,
            name: 'time',
            description: 'Time of day, 24-hour HH:MM, e.g. 08:30',
            required: true,
            min_length: 4,
            max_length: 5,
          },
          {
            type: ApplicationCommandOptionType.String,
            name: 'timezone',
            description: 'The server’s time zone, e.g. Europe/Berlin',
            required: true,
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
            type: ApplicationCommandOptionType.String,
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
        ],
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'pause',
        description: 'Stop posting the digest until it is scheduled again',
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'status',
        description: 'Next run, last run, last error and what would be posted now',
      },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'post-now',
        description: 'Post a digest in the digest channel now',
      },
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
    switch (interaction.options.getSubcommand(false)) {
      case 'schedule':
        return schedule(interaction, service, respond, context.library.current);
      case 'pause':
        return pause(interaction, service, respond);
      case 'status':
        return status(interaction, service, respond);
      case 'post-now':
        return postNow(interaction, service, respond);
      default:
        await replyPrivately(respond, 'Unknown subcommand: use `schedule`, `pause`, `status` or `post-now`.');
    }
  },

  autocomplete(interaction) {
    const focused = interaction.options.getFocused(true);
    return focused.name === 'timezone' ? timeZoneChoices(String(focused.value)) : [];
  },
} satisfies Command;
