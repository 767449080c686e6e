import {
  MessageFlags,
  type APIApplicationCommandOptionChoice,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type MessageComponentInteraction,
} from 'discord.js';
import { related } from '../app/verbs.ts';
import type { Command, CommandContext } from './command.ts';
import { decodeCustomId } from './customIds.ts';
import { renderNotice, renderResults } from './render.ts';
import { renderAnswer, RESULTS_PER_LIST } from './replies.ts';
import { InteractionResponder } from './responder.ts';

export const USER_ERROR =
  'Something went wrong on our side and has been logged. Please try again in a moment.';

interface DispatcherOptions {
  /** The command registry, from the composition root. */
  commands: readonly Command[];
  /** Defer when a handler has not answered by then (Discord needs a first response within 3 s). */
  deferAfterMs?: number;
}

function where(interaction: Interaction) {
  return { guild: interaction.guildId ?? 'dm', channel: interaction.channelId, user: interaction.user.id };
}

/**
 * The one entry point for interactions: routes commands, autocomplete and components, times and
 * logs each, and turns any error into a short ephemeral message (or an edit when deferred).
 */
export function createInteractionHandler(context: CommandContext, options: DispatcherOptions) {
  const deferAfterMs = options.deferAfterMs ?? 1_000;
  const commandsByName = new Map(options.commands.map((command) => [command.data.name, command]));

  async function onCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const command = commandsByName.get(interaction.commandName);
    const respond = new InteractionResponder(interaction, 'reply', deferAfterMs, command?.ephemeral ?? false);
    try {
      if (!command) {
        await respond.send(renderNotice('This command is not known here any more. Try `/help`.'), {
          ephemeral: true,
        });
        return;
      }
      await command.execute(interaction, context, respond);
    } catch (error) {
      context.logger.error(
        { err: error, command: interaction.commandName, ...where(interaction) },
        'command failed',
      );
      await respond.sendError(USER_ERROR).catch((sendError: unknown) => {
        context.logger.warn(
          { err: sendError, ...where(interaction) },
          'could not report the failure to the user',
        );
      });
    } finally {
      respond.dispose();
    }
  }

  async function onAutocomplete(interaction: AutocompleteInteraction): Promise<void> {
    // Never answered with an error: at worst the user sees no suggestions.
    let choices: APIApplicationCommandOptionChoice<string>[] = [];
    try {
      const command = commandsByName.get(interaction.commandName);
      choices = (await command?.autocomplete?.(interaction, context)) ?? [];
    } catch (error) {
      context.logger.error(
        { err: error, command: interaction.commandName, ...where(interaction) },
        'autocomplete failed',
      );
    }
    await interaction.respond(choices).catch((error: unknown) => {
      context.logger.warn(
        { err: error, command: interaction.commandName },
        'autocomplete answer not delivered',
      );
    });
  }

  async function onComponent(interaction: MessageComponentInteraction): Promise<void> {
    const action = decodeCustomId(interaction.customId);
    if (action?.action === 'page') {
      const respond = new InteractionResponder(interaction, 'update', deferAfterMs);
      const session = context.sessions.get(action.sessionId);
      if (!session) {
        respond.dispose();
        await interaction.reply({
          ...renderNotice(
            'These results have expired (result lists are kept for 30 minutes). Run the command again.',
          ),
          flags: MessageFlags.Ephemeral,
        });
        return;
      }
      await respond.send(renderResults({ ...session, page: action.page, sessionId: action.sessionId }));
      respond.dispose();
      return;
    }
    const articleId =
      action?.action === 'related-menu' && interaction.isStringSelectMenu()
        ? interaction.values[0]
        : undefined;
    const respond = new InteractionResponder(interaction, 'reply', deferAfterMs);
    try {
      const library = context.library.current;
      const article = articleId ? library.get(articleId) : undefined;
      if (!article) {
        await respond.send(
          renderNotice(
            action
              ? 'That article is no longer in the library (it changed since this message was posted). Try `/search`.'
              : 'This button is no longer supported. Run the command again.',
          ),
          { ephemeral: true },
        );
        return;
      }
      await respond.send(
        renderAnswer(context, related(library, { ref: article.id, limit: RESULTS_PER_LIST })),
      );
    } finally {
      respond.dispose();
    }
  }

  return async function handleInteraction(interaction: Interaction): Promise<void> {
    const started = performance.now();
    let kind = 'other';
    try {
      if (interaction.isChatInputCommand()) {
        kind = 'command';
        await onCommand(interaction);
      } else if (interaction.isAutocomplete()) {
        kind = 'autocomplete';
        await onAutocomplete(interaction);
      } else if (interaction.isMessageComponent()) {
        kind = 'component';
        await onComponent(interaction);
      }
    } catch (error) {
      context.logger.error({ err: error, kind, ...where(interaction) }, 'interaction failed');
      if (interaction.isRepliable() && !interaction.replied && !interaction.deferred) {
        await interaction
          .reply({ ...renderNotice(USER_ERROR), flags: MessageFlags.Ephemeral })
          .catch(() =>
            context.logger.warn({ ...where(interaction) }, 'could not report the failure to the user'),
          );
      }
    } finally {
      const name =
        interaction.isCommand() || interaction.isAutocomplete() ? interaction.commandName : undefined;
      const customId = interaction.isMessageComponent() ? interaction.customId : undefined;
      context.logger.info(
        { kind, command: name, customId, ms: Math.round(performance.now() - started), ...where(interaction) },
        'interaction handled',
      );
    }
  };
}
