import { ApplicationCommandType } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { renderTopics } from '../src/discord/render.ts';
import { EVERYWHERE } from '../src/discord/replies.ts';

export const topics = {
  data: {
    name: 'topics',
    description: 'Every topic in the library, with how many articles each has',
    type: ApplicationCommandType.ChatInput,
    ...EVERYWHERE,
  },

  async execute(_interaction, context, respond) {
    await respond.send(renderTopics(context.library.topics()));
  },
} satisfies Command;
