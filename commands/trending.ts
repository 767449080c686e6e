import { ApplicationCommandOptionType, ApplicationCommandType } from 'discord.js';
import { TRENDING_PERIODS } from '../src/app/types.ts';
import { trending as trendingVerb } from '../src/app/verbs.ts';
import type { Command } from '../src/discord/command.ts';
import { EVERYWHERE, RESULTS_PER_LIST, renderAnswer } from '../src/discord/replies.ts';

export const trending = {
  data: {
    name: 'trending',
    description: 'The most popular recent articles',
    type: ApplicationCommandType.ChatInput,
    ...EVERYWHERE,
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'period',
        description: 'How far back to look (default: week)',
        choices: TRENDING_PERIODS.map((period) => ({ name: period, value: period })),
      },
    ],
  },

  async execute(interaction, context, respond) {
    const option = interaction.options.getString('period');
    const period = TRENDING_PERIODS.find((value) => value === option) ?? 'week';
    await respond.send(
      renderAnswer(context, trendingVerb(context.library.current, { period, limit: RESULTS_PER_LIST })),
    );
  },
} satisfies Command;
