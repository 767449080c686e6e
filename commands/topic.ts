import { ApplicationCommandOptionType, ApplicationCommandType } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { EVERYWHERE, RESULTS_PER_LIST, sendResults, toChoices } from '../src/discord/replies.ts';

export const topic = {
  data: {
    name: 'topic',
    description: 'The best articles in a topic',
    type: ApplicationCommandType.ChatInput,
    ...EVERYWHERE,
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'name',
        description: 'The topic, e.g. "Machine Learning"',
        required: true,
        max_length: 100,
        autocomplete: true,
      },
    ],
  },

  async execute(interaction, context, respond) {
    const name = interaction.options.getString('name', true);
    const page = context.library.topic(name, { limit: RESULTS_PER_LIST });
    const resolved = context.library.resolveTopic(name)?.name ?? name;
    await sendResults(context, respond, `Topic: ${resolved}`, page);
  },

  autocomplete(interaction, context) {
    return toChoices(context.library.suggest(interaction.options.getFocused(), { kind: 'topic' }));
  },
} satisfies Command;
