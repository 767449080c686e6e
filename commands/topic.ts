import { ApplicationCommandOptionType, ApplicationCommandType } from 'discord.js';
import { topic as topicVerb } from '../src/app/verbs.ts';
import type { Command } from '../src/discord/command.ts';
import { EVERYWHERE, RESULTS_PER_LIST, renderAnswer, toChoices } from '../src/discord/replies.ts';

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
    const result = topicVerb(context.library.current, { name, limit: RESULTS_PER_LIST });
    // In a server, its readers' 👍 👎 re-rank the list (bounded; src/digest/feedback.ts).
    const ranked =
      interaction.guildId && context.digest?.rerank
        ? await context.digest.rerank(interaction.guildId, result)
        : result;
    await respond.send(renderAnswer(context, ranked));
  },

  autocomplete(interaction, context) {
    return toChoices(context.library.current.suggest(interaction.options.getFocused(), { kind: 'topic' }));
  },
} satisfies Command;
