import { ApplicationCommandType } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { describeInstant, digestServiceOrExplain, replyPrivately } from '../src/discord/digestCommands.ts';
import { describePauseReason } from '../src/discord/digestWording.ts';
import { nextDueAt } from '../src/time/localTime.ts';
import { escapeText } from '../src/discord/render.ts';
import { EVERYWHERE } from '../src/discord/replies.ts';

export const subscriptions = {
  ephemeral: true,
  data: {
    name: 'subscriptions',
    description: 'Your daily topic digests: when the next one comes, and any that are paused',
    type: ApplicationCommandType.ChatInput,
    ...EVERYWHERE,
  },

  async execute(interaction, context, respond) {
    const service = await digestServiceOrExplain(context, respond);
    if (!service) return;
    const list = await service.store.listSubscriptions(interaction.user.id);
    if (list.length === 0) {
      await replyPrivately(
        respond,
        'You have no subscriptions. `/subscribe topic:` sends you a daily digest of a topic by direct message.',
      );
      return;
    }
    const now = service.now();
    const lines = list.map((subscription) => {
      const head = `• **${escapeText(subscription.topic)}** at ${subscription.time} (${subscription.timeZone})`;
      if (subscription.paused) {
        const reason = subscription.pauseReason ? describePauseReason(subscription.pauseReason) : '';
        return `${head}: **paused**. ${reason} \`/subscribe\` to it again to resume.`;
      }
      let next = subscription.nextDueAt;
      try {
        next ??= nextDueAt(now, subscription.time, subscription.timeZone);
      } catch {
        return `${head}: its time zone is no longer known. \`/subscribe\` again with another.`;
      }
      return `${head}: next ${describeInstant(next, subscription.timeZone)}`;
    });
    await replyPrivately(
      respond,
      [`**Your daily digests** (by direct message):`, ...lines, '`/unsubscribe` stops one.'].join('\n'),
    );
  },
} satisfies Command;
