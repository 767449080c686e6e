import { ApplicationCommandOptionType, ApplicationCommandType } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { EVERYWHERE, RESULTS_PER_LIST, sendResults } from '../src/discord/replies.ts';

const PERIODS = ['day', 'week', 'month'] as const;

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
        choices: PERIODS.map((period) => ({ name: period, value: period })),
      },
    ],
  },

  async execute(interaction, context, respond) {
    const period = PERIODS.find((value) => value === interaction.options.getString('period')) ?? 'week';
    await sendResults(
      context,
      respond,
      `Trending this ${period}`,
      context.library.trending(period, { limit: RESULTS_PER_LIST }),
    );
  },
} satisfies Command;
