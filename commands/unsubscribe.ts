import { ApplicationCommandOptionType, ApplicationCommandType } from 'discord.js';
import { z } from 'zod';
import { topicKey } from '../src/articles/normalize.ts';
import type { Command } from '../src/discord/command.ts';
import { digestServiceOrExplain, quoteInput, replyPrivately } from '../src/discord/digestCommands.ts';
import { rawOptions } from '../src/discord/digestOptions.ts';
import { LIMITS } from '../src/discord/limits.ts';
import { escapeText } from '../src/discord/render.ts';
import { EVERYWHERE } from '../src/discord/replies.ts';

const NAME_A_SUBSCRIPTION = '`topic` must name one of your subscriptions; `/subscriptions` lists them.';

/** `/unsubscribe`'s one option; any problem with it gets the same answer, `NAME_A_SUBSCRIPTION`. */
const UNSUBSCRIBE_OPTIONS = z.object({
  topic: z.string().refine((text) => text.trim().length > 0),
});

export const unsubscribe = {
  ephemeral: true,
  data: {
    name: 'unsubscribe',
    description: 'Stop one of your daily topic digests',
    type: ApplicationCommandType.ChatInput,
    ...EVERYWHERE,
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'topic',
        description: 'The topic you subscribed to',
        required: true,
        max_length: 100,
        autocomplete: true,
      },
    ],
  },

  async execute(interaction, context, respond) {
    const service = await digestServiceOrExplain(context, respond);
    if (!service) return;
    const parsed = UNSUBSCRIBE_OPTIONS.safeParse(rawOptions(interaction, ['topic']));
    if (!parsed.success) {
      await replyPrivately(respond, NAME_A_SUBSCRIPTION);
      return;
    }
    const typed = parsed.data.topic;
    const subscriptions = await service.store.listSubscriptions(interaction.user.id);
    // The topic may have been renamed or left the library since: match the stored key first.
    const keys = [topicKey(typed), context.library.current.resolveTopic(typed)?.key];
    const subscription =
      subscriptions.find((candidate) => candidate.topicKey === keys[0]) ??
      subscriptions.find((candidate) => candidate.topicKey === keys[1]);
    if (!subscription) {
      const yours = subscriptions.length
        ? `Yours: ${subscriptions.map((candidate) => escapeText(candidate.topic)).join(', ')}.`
        : 'You have no subscriptions.';
      await replyPrivately(respond, `You are not subscribed to ${quoteInput(typed, 100)}. ${yours}`);
      return;
    }
    await service.store.deleteSubscription(subscription.id);
    await replyPrivately(
      respond,
      `Unsubscribed from **${escapeText(subscription.topic)}**: no more daily digests of it.`,
    );
  },

  async autocomplete(interaction, context) {
    if (!context.digest) return [];
    const typed = topicKey(String(interaction.options.getFocused()));
    const subscriptions = await context.digest.store.listSubscriptions(interaction.user.id);
    return subscriptions
      .filter((subscription) => subscription.topicKey.includes(typed))
      .sort(
        (a, b) =>
          Number(!a.topicKey.startsWith(typed)) - Number(!b.topicKey.startsWith(typed)) ||
          a.topic.localeCompare(b.topic),
      )
      .slice(0, LIMITS.autocompleteChoices)
      .map((subscription) => ({
        name: `${subscription.topic} · ${subscription.time} ${subscription.timeZone}${subscription.paused ? ' (paused)' : ''}`.slice(
          0,
          LIMITS.choiceText,
        ),
        // The key, so a renamed topic still matches; keys of stored topics are at most 100 characters.
        value: subscription.topicKey,
      }));
  },
} satisfies Command;
