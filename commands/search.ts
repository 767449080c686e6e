import { ApplicationCommandOptionType, ApplicationCommandType } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { EVERYWHERE, RESULTS_PER_LIST, sendResults, toChoices } from '../src/discord/replies.ts';
import type { Period } from '../src/search/types.ts';

const PERIODS = ['day', 'week', 'month', 'year', 'all'] as const satisfies readonly Period[];

export const search = {
  data: {
    name: 'search',
    description: 'Find articles about anything, best match first',
    type: ApplicationCommandType.ChatInput,
    ...EVERYWHERE,
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'query',
        description: 'What to look for, e.g. "self-driving cars"',
        required: true,
        max_length: 300,
        autocomplete: true,
      },
      {
        type: ApplicationCommandOptionType.String,
        name: 'topic',
        description: 'Only articles in this topic',
        max_length: 100,
        autocomplete: true,
      },
      {
        type: ApplicationCommandOptionType.String,
        name: 'period',
        description: 'Only articles published in the last…',
        choices: PERIODS.map((period) => ({ name: period, value: period })),
      },
    ],
  },

  async execute(interaction, context, respond) {
    const query = interaction.options.getString('query', true);
    const topic = interaction.options.getString('topic') ?? undefined;
    const periodOption = interaction.options.getString('period');
    // Clients can send any string: only the documented periods are honoured.
    const period = PERIODS.find((value) => value === periodOption);
    const page = context.library.search(query, { topic, period, limit: RESULTS_PER_LIST });
    await sendResults(context, respond, `Search: ${query}`, page);
  },

  autocomplete(interaction, context) {
    const focused = interaction.options.getFocused(true);
    const kind = focused.name === 'topic' ? 'topic' : 'query';
    return toChoices(context.library.suggest(String(focused.value), { kind }));
  },
} satisfies Command;
