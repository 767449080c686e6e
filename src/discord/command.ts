import type {
  APIApplicationCommandOptionChoice,
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Logger } from '../logger.ts';
import type { Library } from '../search/library.ts';
import type { ResultSessions } from './resultSessions.ts';
import type { RenderedMessage } from './render.ts';
import type { DigestService } from './digestService.ts';

/** What every command handler may use. The library is the engine; everything else is plumbing. */
export interface CommandContext {
  library: Library;
  sessions: ResultSessions;
  logger: Logger;
  /** Present when the bot runs with its database (server digests, subscriptions). */
  digest?: DigestService;
}

/** Sends the one answer to an interaction: a reply, or an edit if the dispatcher already deferred. */
export interface Responder {
  send(message: RenderedMessage, options?: { ephemeral?: boolean }): Promise<void>;
}

/** A slash command: its JSON definition (what deploy-commands registers) plus handlers. */
export interface Command {
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  /** Answers are private (ephemeral): a slow answer is then deferred privately too. */
  ephemeral?: boolean;
  execute(
    interaction: ChatInputCommandInteraction,
    context: CommandContext,
    respond: Responder,
  ): Promise<void>;
  autocomplete?(
    interaction: AutocompleteInteraction,
    context: CommandContext,
  ): APIApplicationCommandOptionChoice<string>[] | Promise<APIApplicationCommandOptionChoice<string>[]>;
}
