import { ApplicationCommandType } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { renderHelp } from '../src/discord/render.ts';
import { EVERYWHERE } from '../src/discord/replies.ts';

export const help = {
  ephemeral: true,
  data: {
    name: 'help',
    description: 'What Broadsheet can do',
    type: ApplicationCommandType.ChatInput,
    ...EVERYWHERE,
  },

  async execute(_interaction, _context, respond) {
    await respond.send(renderHelp(), { ephemeral: true });
  },
} satisfies Command;
