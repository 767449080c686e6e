import { ApplicationCommandOptionType, ApplicationCommandType } from 'discord.js';
import { related as relatedVerb } from '../src/app/verbs.ts';
import type { Command } from '../src/discord/command.ts';
import {
  EVERYWHERE,
  isNoticeOnly,
  RESULTS_PER_LIST,
  renderAnswer,
  toChoices,
} from '../src/discord/replies.ts';

export const related = {
  data: {
    name: 'related',
    description: 'Related reading for an article',
    type: ApplicationCommandType.ChatInput,
    ...EVERYWHERE,
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'article',
        description: 'Start typing a title (or paste an article id or URL)',
        required: true,
        max_length: 600,
        autocomplete: true,
      },
    ],
  },

  async execute(interaction, context, respond) {
    // The value usually comes from autocomplete (an id), but clients can send anything: resolve again.
    const ref = interaction.options.getString('article', true);
    const result = relatedVerb(context.library.current, { ref, limit: RESULTS_PER_LIST });
    // An unknown article concerns only the person who asked.
    await respond.send(renderAnswer(context, result), { ephemeral: isNoticeOnly(result) });
  },

  autocomplete(interaction, context) {
    return toChoices(context.library.current.suggest(interaction.options.getFocused(), { kind: 'article' }));
  },
} satisfies Command;
