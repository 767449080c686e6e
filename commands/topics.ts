import { ApplicationCommandType } from 'discord.js';
import { topics as topicsVerb } from '../src/app/verbs.ts';
import type { Command } from '../src/discord/command.ts';
import { EVERYWHERE, renderAnswer } from '../src/discord/replies.ts';

export const topics = {
  data: {
    name: 'topics',
    description: 'Every topic in the library, with how many articles each has',
    type: ApplicationCommandType.ChatInput,
    ...EVERYWHERE,
  },

  async execute(_interaction, context, respond) {
    await respond.send(renderAnswer(context, topicsVerb(context.library.current)));
  },
} satisfies Command;
