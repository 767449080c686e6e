import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  type ChatInputCommandInteraction,
} from 'discord.js';
import { z } from 'zod';
import type { Command } from '../src/discord/command.ts';
import {
  describeInstant,
  digestServiceOrExplain,
  replyPrivately,
  resolveTopics,
  timeZoneChoices,
  unknownTopicsProblem,
} from '../src/discord/digestCommands.ts';
import {
  parseOptions,
  problem,
  rawOptions,
  textOption,
  timeOption,
  timeZoneOption,
} from '../src/discord/digestOptions.ts';
import { escapeText } from '../src/discord/render.ts';
import { EVERYWHERE, toChoices } from '../src/discord/replies.ts';
import type { Library } from '../src/search/library.ts';

/** `/subscribe`'s options, validated once. */
function subscribeOptionsSchema(library: Library) {
  return z.object({
    topic: textOption('topic').transform((text, ctx) => {
      if (!text?.trim()) return problem(ctx, '`topic` must name a topic; `/topics` lists them.');
      const resolved = resolveTopics(library, [text]);
      return resolved.found[0] ?? problem(ctx, unknownTopicsProblem(resolved.unknown));
    }),
    time: timeOption,
    timezone: timeZoneOption,
  });
}

export const NO_ORIGIN_CHANNEL =
  "Not subscribed: Discord didn't tell me which channel this is, so I'd have nowhere to tell you if your " +
  'direct messages are closed. Try `/subscribe` again in a server channel, or in a direct message to me.';

/**
 * Where to tell a subscriber that their DMs are closed. `channelId` is typed as a string but some servers
 * send no channel: then the channel discord.js knows, or in a DM the DM channel opened for the user;
 * null when there is truly none (never stored).
 */
async function originChannelOf(interaction: ChatInputCommandInteraction): Promise<string | null> {
  const known = (interaction.channelId as string | null) || interaction.channel?.id;
  if (known) return known;
  if (interaction.guildId !== null) return null;
  try {
    return (await interaction.user.createDM()).id;
  } catch {
    return null;
  }
}

/** One a topic, and no more than an autocomplete list can show in `/unsubscribe`. */
export const MAX_SUBSCRIPTIONS = 25;

export const subscribe = {
  ephemeral: true,
  data: {
    name: 'subscribe',
    description: 'Get a daily digest of a topic in your direct messages',
    type: ApplicationCommandType.ChatInput,
    ...EVERYWHERE,
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'topic',
        description: 'The topic, e.g. "Machine Learning"',
        required: true,
        max_length: 100,
        autocomplete: true,
      },
      {
        type: ApplicationCommandOptionType.String,
        name: 'time',
        description: 'Time of day, 24-hour HH:MM, e.g. 07:30',
        required: true,
        min_length: 4,
        max_length: 5,
      },
      {
        type: ApplicationCommandOptionType.String,
        name: 'timezone',
        description: 'Your time zone, e.g. Europe/Berlin',
        required: true,
        max_length: 64,
        autocomplete: true,
      },
    ],
  },

  async execute(interaction, context, respond) {
    const service = await digestServiceOrExplain(context, respond);
    if (!service) return;
    const parsed = parseOptions(
      subscribeOptionsSchema(context.library.current),
      rawOptions(interaction, ['topic', 'time', 'timezone']),
      'Not subscribed:',
    );
    if (!parsed.ok) {
      await replyPrivately(respond, parsed.message);
      return;
    }
    const { topic, time, timezone } = parsed.value;

    const { store, scheduler } = service;
    const userId = interaction.user.id;
    const existing = await store.listSubscriptions(userId);
    const topicKey = topic.key;
    const current = existing.find((subscription) => subscription.topicKey === topicKey);
    if (!current && existing.length >= MAX_SUBSCRIPTIONS) {
      await replyPrivately(
        respond,
        `You already have ${MAX_SUBSCRIPTIONS} subscriptions, the most there can be. \`/unsubscribe\` one first.`,
      );
      return;
    }
    const originChannelId = await originChannelOf(interaction);
    if (originChannelId === null) {
      await replyPrivately(respond, NO_ORIGIN_CHANNEL);
      return;
    }
    const now = service.now();
    const saved = await store.saveSubscription(
      {
        userId,
        topic: topic.name,
        topicKey: topic.key,
        time,
        timeZone: timezone,
        // Where to tell them if their DMs turn out to be closed.
        originChannelId,
      },
      now,
    );
    // Subscribing again is how a subscription paused for closed DMs resumes.
    if (saved.paused) await store.setSubscriptionPaused(saved.id, false, null, now);
    const next = await scheduler.schedule({ kind: 'subscription', subscriptionId: saved.id });

    const lines = [
      `${current ? 'Updated' : 'Subscribed'}: a digest of **${escapeText(saved.topic)}** in your direct messages every day at ${saved.time} (${saved.timeZone}).`,
    ];
    if (next !== null)
      lines.push(`${current ? 'Next' : 'First'} one: ${describeInstant(next, saved.timeZone)}.`);
    if (current?.paused) lines.push('It was paused; it runs again from now on.');
    lines.push(
      'It only arrives if you accept direct messages from me. `/subscriptions` lists yours; `/unsubscribe` stops one.',
    );
    await replyPrivately(respond, lines.join('\n'));
  },

  autocomplete(interaction, context) {
    const focused = interaction.options.getFocused(true);
    const typed = String(focused.value);
    if (focused.name === 'timezone') return timeZoneChoices(typed);
    if (focused.name === 'topic') return toChoices(context.library.current.suggest(typed, { kind: 'topic' }));
    return [];
  },
} satisfies Command;
