import type {
  APIApplicationCommandOptionChoice,
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Logger } from '../logger.ts';
import type { LibraryRef } from '../app/libraryRef.ts';
import type { ResultSessions } from './resultSessions.ts';
import type { RenderedMessage } from './render.ts';
import type { DigestService } from './digestService.ts';

/** What every command handler may use, fixed when the bot is built. */
export interface CommandContext {
  /** The library as it is now: read `.current` at call time, a new corpus may be swapped in. */
  library: LibraryRef;
  sessions: ResultSessions;
  logger: Logger;
  /** Server digests and subscriptions; null when the bot runs without its database. */
  digest: DigestService | null;
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
