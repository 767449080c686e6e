import {
  ApplicationIntegrationType,
  InteractionContextType,
  type APIApplicationCommandOptionChoice,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { ResultPage, Suggestion } from '../search/types.ts';
import type { CommandContext, Responder } from './command.ts';
import { LIMITS } from './limits.ts';
import { PAGE_SIZE, renderResults, type RenderedMessage } from './render.ts';

/** Commands that work everywhere: servers, DMs with the bot, and (user-installed) other DMs. */
type Scope = Required<
  Pick<RESTPostAPIChatInputApplicationCommandsJSONBody, 'contexts' | 'integration_types'>
>;

export const EVERYWHERE: Scope = {
  contexts: [
    InteractionContextType.Guild,
    InteractionContextType.BotDM,
    InteractionContextType.PrivateChannel,
  ],
  integration_types: [ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall],
};

/** Commands that only make sense in a server the bot is installed in. */
export const SERVER_ONLY: Scope = {
  contexts: [InteractionContextType.Guild],
  integration_types: [ApplicationIntegrationType.GuildInstall],
};

/** Results are fetched once (up to 25) and paged from memory, 5 a page. */
export const RESULTS_PER_LIST = 25;

/** Page one of a result list; the rest stays behind ◀ ▶ while the session lasts. */
export function firstPage(
  context: Pick<CommandContext, 'sessions'>,
  title: string,
  page: ResultPage,
): RenderedMessage {
  const sessionId =
    page.results.length > PAGE_SIZE
      ? context.sessions.save({ title, notice: page.notice, results: page.results })
      : null;
  return renderResults({ title, notice: page.notice, results: page.results, page: 0, sessionId });
}

/** Answer an interaction with a result list. */
export async function sendResults(
  context: CommandContext,
  respond: Responder,
  title: string,
  page: ResultPage,
): Promise<void> {
  await respond.send(firstPage(context, title, page));
}

/** Suggestions as Discord choices: ≤ 25, names and values 1–100 characters. */
export function toChoices(suggestions: Suggestion[]): APIApplicationCommandOptionChoice<string>[] {
  return suggestions
    .filter((choice) => choice.name.length >= 1 && choice.value.length >= 1)
    .slice(0, LIMITS.autocompleteChoices)
    .map((choice) => ({
      name: choice.name.slice(0, LIMITS.choiceText),
      value: choice.value.slice(0, LIMITS.choiceText),
    }));
}
