import { ApplicationCommandOptionType, ApplicationCommandType } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { renderNotice } from '../src/discord/render.ts';
import { EVERYWHERE, sendResults, toChoices } from '../src/discord/replies.ts';
import { parseDay, previewDigest } from '../src/search/digestPreview.ts';

export const digest = {
  data: {
    name: 'digest',
    description: 'Preview the daily digest: the most popular articles of a day',
    type: ApplicationCommandType.ChatInput,
    ...EVERYWHERE,
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'date',
        description: 'The day, written YYYY-MM-DD (default: the last 24 hours)',
        min_length: 10,
        max_length: 10,
      },
      {
        type: ApplicationCommandOptionType.String,
        name: 'topic',
        description: 'Only articles in this topic',
        max_length: 100,
        autocomplete: true,
      },
    ],
  },

  async execute(interaction, context, respond) {
    const date = interaction.options.getString('date');
    const day = date === null ? undefined : parseDay(date);
    if (day === null) {
      await respond.send(renderNotice('`date` must be a day written YYYY-MM-DD, e.g. 2020-05-01.'), {
        ephemeral: true,
      });
      return;
    }
    const topic = interaction.options.getString('topic') ?? undefined;
    const preview = previewDigest(context.library, { day, topic });
    await sendResults(context, respond, preview.title, {
      notice: preview.notice,
      total: preview.articles.length,
      results: preview.articles.map((article, i) => ({
        kind: 'article',
        article,
        why: `#${i + 1} by heat that day`,
        score: article.heat ?? 0,
      })),
    });
  },

  autocomplete(interaction, context) {
    return toChoices(context.library.suggest(interaction.options.getFocused(), { kind: 'topic' }));
  },
} satisfies Command;
