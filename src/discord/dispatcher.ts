import {
  MessageFlags,
  type APIApplicationCommandOptionChoice,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type MessageComponentInteraction,
} from 'discord.js';
import { stillInLibrary } from '../app/verbs.ts';
import type { HandledInteraction, InteractionKind, InteractionOutcome } from '../ops/metrics.ts';
import type { Command, CommandContext } from './command.ts';
import { decodeCustomId } from './customIds.ts';
import { discordNotices } from './discordIdiom.ts';
import { createVoteLimiter, handleVote, sendRelatedReading } from './feedbackButtons.ts';
import { PAGE_SIZE, renderNotice, renderResults } from './render.ts';
import { InteractionResponder } from './responder.ts';
import { Turns } from './turns.ts';
import { warmUp, type WarmUpReport } from './warmUp.ts';

export const USER_ERROR =
  'Something went wrong on our side and has been logged. Please try again in a moment.';
export const RESTARTING = 'Broadsheet is restarting; try again in a moment.';
/**
 * An interaction that would wait longer than this for its turn is acknowledged first ("Broadsheet is
 * thinking…") and answered by an edit: people see at once that it arrived, well within Discord's 3 s.
 */
export const EARLY_ACK_MS = 300;
/**
 * And one not answered this long after it arrived (its wait was longer than foreseen, or its handler
 * is slow) is deferred then: the timer fires between turns, so a queue cannot hold it back.
 */
export const DEFER_AFTER_MS = 400;
const RESULTS_EXPIRED =
  'These results have expired (result lists are kept for 30 minutes). Run the command again.';

interface DispatcherOptions {
  /** The command registry, from the composition root. */
  commands: readonly Command[];
  /** Defer when a handler has not answered by then (Discord needs a first response within 3 s). */
  deferAfterMs?: number;
  /** Defer at once an interaction whose turn is expected later than this (default EARLY_ACK_MS). */
  earlyAckMs?: number;
  /** False once shutdown has begun: every interaction then gets RESTARTING and touches nothing else. */
  accepting?: () => boolean;
  /** Told about every interaction once it is handled (metrics). */
  observe?: (handled: HandledInteraction) => void;
}

function where(interaction: Interaction | MessageComponentInteraction) {
  return { guild: interaction.guildId ?? 'dm', channel: interaction.channelId, user: interaction.user.id };
}

/**
 * The one entry point for interactions: routes commands, autocomplete and components, times and
 * logs each, and turns any error into a short ephemeral message (or an edit when deferred).
 */
export function createInteractionHandler(context: CommandContext, options: DispatcherOptions) {
  const deferAfterMs = options.deferAfterMs ?? DEFER_AFTER_MS;
  const earlyAckMs = options.earlyAckMs ?? EARLY_ACK_MS;
  const accepting = options.accepting ?? (() => true);
  const commandsByName = new Map(options.commands.map((command) => [command.data.name, command]));
  const turns = new Turns();
  const votes = createVoteLimiter();

  /** A label for metrics: a registered name or action, never free text. */
  function commandLabel(interaction: Interaction): string {
    if (interaction.isCommand() || interaction.isAutocomplete())
      return commandsByName.has(interaction.commandName) ? interaction.commandName : 'unknown';
    if (interaction.isMessageComponent()) return decodeCustomId(interaction.customId)?.action ?? 'unknown';
    return 'none';
  }

  async function refuse(interaction: Interaction): Promise<void> {
    try {
      if (interaction.isAutocomplete()) await interaction.respond([]);
      else if (interaction.isRepliable())
        await interaction.reply({ ...renderNotice(RESTARTING), flags: MessageFlags.Ephemeral });
    } catch (error) {
      context.logger.warn({ err: error, ...where(interaction) }, 'could not tell the user we are restarting');
    }
  }

  /**
   * Waits for this interaction's turn. When the queue ahead would make that wait long, the interaction
   * is acknowledged first: the defer is sent now, before any of the queued work runs.
   */
  async function turnFor(respond: InteractionResponder): Promise<void> {
    if (turns.expectedWaitMs() > earlyAckMs) {
      respond.deferNow().catch((error: unknown) => {
        // The answer that follows tries again and reports what it can.
        context.logger.warn({ err: error }, 'could not acknowledge an interaction early');
      });
    }
    await turns.take();
  }

  /**
   * Takes the interaction's turn and runs `work`; once shutdown has begun it only says so. Any failure
   * becomes a short private error (an edit when deferred), logged with `about`.
   */
  async function answerInTurn(
    interaction: ChatInputCommandInteraction | MessageComponentInteraction,
    respond: InteractionResponder,
    about: { command: string } | { customId: string },
    work: () => Promise<InteractionOutcome>,
  ): Promise<InteractionOutcome> {
    try {
      await turnFor(respond);
      if (!accepting()) {
        await respond.sendError(RESTARTING);
        return 'restarting';
      }
      return await work();
    } catch (error) {
      context.logger.error({ err: error, ...about, ...where(interaction) }, 'interaction failed');
      await respond.sendError(USER_ERROR).catch((sendError: unknown) => {
        context.logger.warn(
          { err: sendError, ...where(interaction) },
          'could not report the failure to the user',
        );
      });
      return 'failed';
    } finally {
      respond.dispose();
    }
  }

  function onCommand(interaction: ChatInputCommandInteraction): Promise<InteractionOutcome> {
    const command = commandsByName.get(interaction.commandName);
    const respond = new InteractionResponder(interaction, 'reply', deferAfterMs, command?.ephemeral ?? false);
    return answerInTurn(interaction, respond, { command: interaction.commandName }, async () => {
      if (!command) {
        await respond.send(renderNotice('This command is not known here any more. Try `/help`.'), {
          ephemeral: true,
        });
        return 'answered';
      }
      await command.execute(interaction, context, respond);
      return 'answered';
    });
  }

  async function onAutocomplete(interaction: AutocompleteInteraction): Promise<InteractionOutcome> {
    // Cannot be deferred, and is worthless late: it goes before the queued commands.
    await turns.take('urgent');
    if (!accepting()) {
      await refuse(interaction);
      return 'restarting';
    }
    // Never answered with an error: at worst the user sees no suggestions.
    let choices: APIApplicationCommandOptionChoice<string>[] = [];
    let outcome: InteractionOutcome = 'answered';
    try {
      const command = commandsByName.get(interaction.commandName);
      choices = (await command?.autocomplete?.(interaction, context)) ?? [];
    } catch (error) {
      context.logger.error(
        { err: error, command: interaction.commandName, ...where(interaction) },
        'autocomplete failed',
      );
      outcome = 'failed';
    }
    await interaction.respond(choices).catch((error: unknown) => {
      outcome = 'failed';
      context.logger.warn(
        { err: error, command: interaction.commandName },
        'autocomplete answer not delivered',
      );
    });
    return outcome;
  }

  async function onComponent(interaction: MessageComponentInteraction): Promise<InteractionOutcome> {
    const action = decodeCustomId(interaction.customId);
    if (action?.action === 'page' && !context.sessions.get(action.sessionId)) {
      // Known at once, and cheap: answered without waiting for a turn.
      await interaction.reply({ ...renderNotice(RESULTS_EXPIRED), flags: MessageFlags.Ephemeral });
      return 'answered';
    }
    const respond =
      action?.action === 'page'
        ? new InteractionResponder(interaction, 'update', deferAfterMs)
        : new InteractionResponder(
            interaction,
            'reply',
            deferAfterMs,
            action?.action === 'vote' || action?.action === 'more-like',
          );
    return answerInTurn(interaction, respond, { customId: interaction.customId }, () =>
      answerComponent(interaction, action, respond),
    );
  }

  async function answerComponent(
    interaction: MessageComponentInteraction,
    action: ReturnType<typeof decodeCustomId>,
    respond: InteractionResponder,
  ): Promise<InteractionOutcome> {
    if (action?.action === 'vote') {
      await handleVote(interaction, action, context, votes, respond);
      return 'answered';
    }
    if (action?.action === 'more-like' || action?.action === 'related-menu') {
      const articleId = interaction.isStringSelectMenu() ? interaction.values[0] : undefined;
      await sendRelatedReading(articleId, context, respond, { ephemeral: action.action === 'more-like' });
      return 'answered';
    }
    if (action?.action === 'page') {
      const session = context.sessions.get(action.sessionId);
      if (!session) {
        // Expired while it waited for its turn: said privately, the results message left as it is.
        await respond.sendError(RESULTS_EXPIRED);
        return 'answered';
      }
      // The list was made from an earlier library: articles removed since are left out, and said so.
      const { results, removed } = stillInLibrary(context.library.current, session.results);
      const lastPage = Math.max(0, Math.ceil(results.length / PAGE_SIZE) - 1);
      const first = Math.min(action.page, lastPage) * PAGE_SIZE;
      let gone = 0;
      for (const position of removed) if (position >= first && position < first + PAGE_SIZE) gone++;
      const notices = gone
        ? [...session.notices, ...discordNotices([{ kind: 'removed-since', count: gone }])]
        : session.notices;
      await respond.send(
        renderResults({
          ...session,
          results,
          removed,
          notices,
          page: action.page,
          sessionId: action.sessionId,
        }),
      );
      return 'answered';
    }
    await respond.send(renderNotice('This button is no longer supported. Run the command again.'), {
      ephemeral: true,
    });
    return 'answered';
  }

  async function handleInteraction(interaction: Interaction): Promise<void> {
    const started = performance.now();
    let kind: InteractionKind = 'other';
    let outcome: InteractionOutcome = 'answered';
    try {
      if (interaction.isChatInputCommand()) kind = 'command';
      else if (interaction.isAutocomplete()) kind = 'autocomplete';
      else if (interaction.isMessageComponent()) kind = 'component';
      if (interaction.isChatInputCommand()) {
        outcome = await onCommand(interaction);
      } else if (interaction.isAutocomplete()) {
        outcome = await onAutocomplete(interaction);
      } else if (interaction.isMessageComponent()) {
        outcome = await onComponent(interaction);
      } else if (!accepting()) {
        outcome = 'restarting';
        await refuse(interaction);
      }
    } catch (error) {
      outcome = 'failed';
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
      const seconds = (performance.now() - started) / 1000;
      context.logger.info(
        { kind, command: name, customId, outcome, ms: Math.round(seconds * 1000), ...where(interaction) },
        'interaction handled',
      );
      options.observe?.({ kind, command: commandLabel(interaction), outcome, seconds });
    }
  }

  return Object.assign(handleInteraction, {
    /** Warms the answering code up on idle turns (src/discord/warmUp.ts); interactions go first. */
    warmUp: (): Promise<WarmUpReport> =>
      warmUp(context.library.current, async () => {
        await turns.take('idle');
        return accepting();
      }),
  });
}
