import { ApplicationCommandOptionType, ApplicationCommandType } from 'discord.js';
import { search as searchVerb } from '../src/app/verbs.ts';
import { SEARCH_PERIODS } from '../src/app/types.ts';
import type { Command } from '../src/discord/command.ts';
import { EVERYWHERE, RESULTS_PER_LIST, renderAnswer, toChoices } from '../src/discord/replies.ts';

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
        choices: SEARCH_PERIODS.map((period) => ({ name: period, value: period })),
      },
    ],
  },

  async execute(interaction, context, respond) {
    const periodOption = interaction.options.getString('period');
    const result = searchVerb(context.library.current, {
      query: interaction.options.getString('query', true),
      topic: interaction.options.getString('topic') ?? undefined,
      // Clients can send any string: only the documented periods are honoured.
      period: SEARCH_PERIODS.find((value) => value === periodOption),
      limit: RESULTS_PER_LIST,
    });
    await respond.send(renderAnswer(context, result));
  },

  autocomplete(interaction, context) {
    const focused = interaction.options.getFocused(true);
    const kind = focused.name === 'topic' ? 'topic' : 'query';
    return toChoices(context.library.current.suggest(String(focused.value), { kind }));
  },
} satisfies Command;
