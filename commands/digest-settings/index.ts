import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ChannelType,
  PermissionFlagsBits,
  type ChatInputCommandInteraction,
} from 'discord.js';
import type { RunReport } from '../src/digest/runner.ts';
import type { Command } from '../src/discord/command.ts';
import {
  articleLines,
  describeInstant,
  digestServiceOrExplain,
  previewGuildDigest,
  readInteger,
  readString,
  readTime,
  readTimeZone,
  replyPrivately,
  resolveTopics,
  timeZoneChoices,
  unknownTopicsProblem,
} from '../src/discord/digestCommands.ts';
import type { DigestService } from '../src/discord/digestService.ts';
import { escapeText } from '../src/discord/render.ts';
import { SERVER_ONLY } from '../src/discord/replies.ts';
import type { Responder } from '../src/discord/command.ts';
import { StoreValidationError } from '../src/store/validation.ts';
import type { DigestTargetRef, GuildDigestSettings } from '../src/store/types.ts';

const DIGEST_CHANNEL_TYPES: readonly ChannelType[] = [ChannelType.GuildText, ChannelType.GuildAnnouncement];
const DEFAULT_SIZE = 5;
const MAX_TOPICS = 25;
const NO_DIGEST = 'This server has no digest yet. Set one up with `/digest-settings schedule`.';

type GuildInteraction = ChatInputCommandInteraction<'cached' | 'raw'>;

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
            channel_types: [ChannelType.GuildText, ChannelType.GuildAnnouncement],
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
        return schedule(interaction, service, respond);
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

function guildRef(interaction: GuildInteraction): DigestTargetRef {
  return { kind: 'guild', guildId: interaction.guildId };
}

async function schedule(interaction: GuildInteraction, service: DigestService, respond: Responder) {
  const problems: string[] = [];
  const notes: string[] = [];

  const channel = interaction.options.get('channel')?.channel;
  let channelId = '';
  if (!channel) problems.push('`channel` must be a text or announcement channel of this server.');
  else if (!DIGEST_CHANNEL_TYPES.includes(channel.type))
    problems.push(`<#${channel.id}> is not a text or announcement channel: choose another \`channel\`.`);
  else channelId = channel.id;

  const timeText = readString(interaction, 'time');
  const time = timeText.ok ? readTime(timeText.value) : timeText;
  if (!time.ok) problems.push(time.problem);
  const zoneText = readString(interaction, 'timezone');
  const timeZone = zoneText.ok ? readTimeZone(zoneText.value) : zoneText;
  if (!timeZone.ok) problems.push(timeZone.problem);

  const size = readInteger(interaction, 'size', 1, 10);
  if (!size.ok) problems.push(size.problem);
  const minQuality = readInteger(interaction, 'min_quality', 0, 100);
  if (!minQuality.ok) problems.push(minQuality.problem);

  let topics: string[] = [];
  const topicsText = readString(interaction, 'topics');
  if (!topicsText.ok) problems.push(topicsText.problem);
  else if (topicsText.value !== null) {
    const names = topicsText.value
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    if (names.length > MAX_TOPICS) problems.push(`\`topics\` takes at most ${MAX_TOPICS} topics.`);
    else {
      const resolved = resolveTopics(service.library(), names);
      if (resolved.unknown.length) problems.push(unknownTopicsProblem(resolved.unknown));
      topics = resolved.found.map((topic) => topic.name);
    }
  }

  let mentionRoleId: string | null = null;
  const roleOption = interaction.options.get('role');
  if (roleOption) {
    const role = roleOption.role;
    if (!role) problems.push('`role` must be a role of this server.');
    else if (role.id === interaction.guildId)
      problems.push('`role` cannot be @everyone: choose a role whose members asked for the ping.');
    else {
      mentionRoleId = role.id;
      if (!role.mentionable)
        notes.push(
          `${escapeText(role.name, 100)} is not mentionable: its members are only pinged if I have the Mention All Roles permission.`,
        );
    }
  }

  if (problems.length || !time.ok || !timeZone.ok || !size.ok || !minQuality.ok) {
    await replyPrivately(
      respond,
      `Nothing was saved:\n${problems.map((problem) => `• ${problem}`).join('\n')}`,
    );
    return;
  }

  const { store, scheduler } = service;
  const now = service.now();
  let saved: GuildDigestSettings;
  try {
    saved = await store.saveGuildDigest(
      {
        guildId: interaction.guildId,
        channelId,
        time: time.value,
        timeZone: timeZone.value,
        size: size.value ?? DEFAULT_SIZE,
        topics,
        minQuality: minQuality.value,
        mentionRoleId,
      },
      now,
    );
  } catch (error) {
    if (!(error instanceof StoreValidationError)) throw error;
    await replyPrivately(respond, `Nothing was saved: ${error.message}`);
    return;
  }
  const wasPaused = saved.paused;
  if (wasPaused) await store.setGuildDigestPaused(interaction.guildId, false, null, now);
  const next = await scheduler.schedule(guildRef(interaction));

  const missing = missingBotPermissions(interaction, channelId);
  if (missing.length)
    notes.push(`I cannot post in <#${channelId}> yet: give me ${missing.join(', ')} there.`);
  const lines = [
    `**Digest scheduled.** Up to ${saved.size} articles in <#${saved.channelId}> every day at ${saved.time} (${saved.timeZone}).`,
    settingsLine(saved),
    next === null ? 'Next run: not scheduled.' : `Next run: ${describeInstant(next, saved.timeZone)}.`,
  ];
  if (wasPaused) lines.push('It was paused; it runs again from now on.');
  lines.push(...notes.map((note) => `⚠️ ${note}`));
  lines.push(
    '`/digest-settings status` shows what it would post; `/digest-settings post-now` posts one now.',
  );
  await replyPrivately(respond, lines.join('\n'));
}

function settingsLine(settings: GuildDigestSettings): string {
  const topics = settings.topics.length
    ? settings.topics.map((topic) => escapeText(topic)).join(', ')
    : 'all';
  return [
    `Topics: ${topics}`,
    `minimum quality: ${settings.minQuality ?? 'none'}`,
    `mentions: ${settings.mentionRoleId ? `<@&${settings.mentionRoleId}>` : 'nobody'}`,
  ].join(' · ');
}

/** Permissions the bot lacks in the channel, when the guild is cached (a warning, not a refusal). */
function missingBotPermissions(interaction: GuildInteraction, channelId: string): string[] {
  if (!interaction.inCachedGuild()) return [];
  const channel = interaction.guild.channels.cache.get(channelId);
  const me = interaction.guild.members.me;
  if (!channel || !me) return [];
  const permissions = channel.permissionsFor(me);
  const needed = [
    ['View Channel', PermissionFlagsBits.ViewChannel],
    ['Send Messages', PermissionFlagsBits.SendMessages],
    ['Embed Links', PermissionFlagsBits.EmbedLinks],
  ] as const;
  return needed.filter(([, flag]) => !permissions.has(flag)).map(([name]) => name);
}

async function pause(interaction: GuildInteraction, service: DigestService, respond: Responder) {
  const settings = await service.store.getGuildDigest(interaction.guildId);
  if (!settings) {
    await replyPrivately(respond, NO_DIGEST);
    return;
  }
  if (settings.paused) {
    await replyPrivately(
      respond,
      `The digest is already paused (${settings.pauseReason ?? 'no reason recorded'}). \`/digest-settings schedule\` resumes it.`,
    );
    return;
  }
  await service.store.setGuildDigestPaused(
    interaction.guildId,
    true,
    `Paused by <@${interaction.user.id}> with /digest-settings pause.`,
    service.now(),
  );
  await replyPrivately(
    respond,
    'The digest is paused: nothing is posted until you run `/digest-settings schedule` again.',
  );
}

async function status(interaction: GuildInteraction, service: DigestService, respond: Responder) {
  const [report, settings] = await Promise.all([
    service.runner.statusFor(interaction.guildId, service.now()),
    service.store.getGuildDigest(interaction.guildId),
  ]);
  if (!report || !settings) {
    await replyPrivately(respond, NO_DIGEST);
    return;
  }
  const zone = report.timeZone;
  const lines = [
    `**Daily digest** in <#${report.channelId}> at ${report.time} (${zone}), up to ${settings.size} articles.`,
    settingsLine(settings),
  ];
  if (report.paused) {
    lines.push(
      `**Paused:** ${report.pauseReason ?? 'no reason recorded'} \`/digest-settings schedule\` resumes it.`,
    );
  } else if (report.nextRunAt !== null) {
    lines.push(`Next run: ${describeInstant(report.nextRunAt, zone)}.`);
  }
  if (report.lastRun) {
    const run = report.lastRun;
    const outcome =
      run.state === 'posted'
        ? `posted${run.channelId && run.messageId ? `: https://discord.com/channels/${interaction.guildId}/${run.channelId}/${run.messageId}` : '.'}`
        : run.state === 'empty'
          ? 'nothing new to post, so nothing was posted.'
          : run.state === 'claimed'
            ? 'in progress.'
            : `${run.state}: ${run.reason ?? 'no reason recorded'}`;
    lines.push(`Last run: ${run.dueLocal}, ${outcome}`);
  } else {
    lines.push('Last run: none yet.');
  }
  if (report.lastError) {
    lines.push(`Last error (${report.lastError.atLocal}): ${report.lastError.reason}`);
  }
  if (report.consecutiveFailures > 0 && !report.paused) {
    lines.push(`Failures in a row: ${report.consecutiveFailures} (the digest pauses after 3).`);
  }
  const preview = await previewGuildDigest(service, settings);
  if (preview.length) {
    lines.push(`**If it ran now** it would post:`, ...articleLines(preview));
  } else {
    lines.push(
      '**If it ran now** there would be nothing new to post: nothing matching was published since the last digest.',
    );
  }
  await replyPrivately(respond, lines.join('\n'));
}

async function postNow(interaction: GuildInteraction, service: DigestService, respond: Responder) {
  const settings = await service.store.getGuildDigest(interaction.guildId);
  if (!settings) {
    await replyPrivately(respond, NO_DIGEST);
    return;
  }
  // Posting can take longer than the dispatcher waits before it defers, and a deferred reply would be
  // public: answer privately first, then report the outcome in a private follow-up.
  await replyPrivately(respond, `Posting a digest in <#${settings.channelId}>…`);
  const report = await service.runner.postNow(guildRef(interaction));
  await replyPrivately(respond, describePostNow(report, interaction.guildId));
}

function describePostNow(report: RunReport, guildId: string): string {
  switch (report.state) {
    case 'posted': {
      const count = report.articleIds.length;
      return `Posted ${count} ${count === 1 ? 'article' : 'articles'} in <#${report.channelId}>: https://discord.com/channels/${guildId}/${report.channelId}/${report.messageId}`;
    }
    case 'empty':
      return 'Nothing new to post: everything matching since the last digest was already sent. Nothing was posted.';
    case 'failed':
      return [
        `The digest could not be posted. ${report.reason}`,
        report.paused ? `The digest is now paused: ${report.pauseReason ?? ''}` : '',
      ]
        .filter(Boolean)
        .join('\n');
    case 'gone':
      return NO_DIGEST;
    case 'interrupted':
      return 'The bot is shutting down; the digest will be posted when it is back.';
    case 'skipped':
      return `The digest was skipped: ${report.reason}`;
    case 'already-finished':
      return 'A digest was just posted; try again in a moment.';
  }
}
