import { ApplicationCommandOptionType, ApplicationCommandType } from 'discord.js';
import { parseDay } from '../src/app/digestPreview.ts';
import { digest as digestVerb } from '../src/app/verbs.ts';
import type { Command } from '../src/discord/command.ts';
import { discordNotices } from '../src/discord/discordIdiom.ts';
import { renderNotice } from '../src/discord/render.ts';
import { EVERYWHERE, renderAnswer, toChoices } from '../src/discord/replies.ts';

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
      const [problem] = discordNotices([{ kind: 'invalid-date', value: date ?? '' }]);
      await respond.send(renderNotice(problem!), { ephemeral: true });
      return;
    }
    const topic = interaction.options.getString('topic') ?? undefined;
    await respond.send(renderAnswer(context, digestVerb(context.library.current, { day, topic })));
  },

  autocomplete(interaction, context) {
    return toChoices(context.library.current.suggest(interaction.options.getFocused(), { kind: 'topic' }));
  },
} satisfies Command;
