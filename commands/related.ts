import { ApplicationCommandOptionType, ApplicationCommandType } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { renderNotice } from '../src/discord/render.ts';
import { EVERYWHERE, RESULTS_PER_LIST, sendResults, toChoices } from '../src/discord/replies.ts';

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
    const reference = interaction.options.getString('article', true);
    const page = context.library.related(reference, { limit: RESULTS_PER_LIST });
    if (!page.article) {
      await respond.send(renderNotice(page.notice ?? 'No such article.'), { ephemeral: true });
      return;
    }
    await sendResults(context, respond, `Related to: ${page.article.title}`, page);
  },

  autocomplete(interaction, context) {
    return toChoices(context.library.suggest(interaction.options.getFocused(), { kind: 'article' }));
  },
} satisfies Command;
