import {
  ApplicationIntegrationType,
  InteractionContextType,
  type APIApplicationCommandOptionChoice,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { NoticeIdiom } from '../app/noticeWording.ts';
import type { ResultList, VerbResult } from '../app/types.ts';
import type { Suggestion } from '../search/types.ts';
import type { CommandContext } from './command.ts';
import { DISCORD_IDIOM, discordNotices } from './discordIdiom.ts';
import { LIMITS } from './limits.ts';
import {
  PAGE_SIZE,
  renderHelp,
  renderNotice,
  renderResults,
  renderTopics,
  type RenderedMessage,
} from './render.ts';

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
  list: ResultList,
  idiom: NoticeIdiom = DISCORD_IDIOM,
): RenderedMessage {
  const notices = discordNotices(list.notices, idiom);
  const sessionId =
    list.items.length > PAGE_SIZE
      ? context.sessions.save({ title: list.title, notices, results: list.items })
      : null;
  return renderResults({ title: list.title, notices, results: list.items, page: 0, sessionId });
}

/** A related-reading list for an article the library does not know is only a notice. */
export function isNoticeOnly(result: VerbResult): boolean {
  return result.kind === 'results' && result.verb === 'related' && !result.about;
}

/** Any verb's answer as a Discord message: the one renderer slash commands and DM lookups share. */
export function renderAnswer(
  context: Pick<CommandContext, 'sessions'>,
  result: VerbResult,
  idiom: NoticeIdiom = DISCORD_IDIOM,
): RenderedMessage {
  switch (result.kind) {
    case 'results':
      return isNoticeOnly(result)
        ? renderNotice(discordNotices(result.notices, idiom).join('\n'))
        : firstPage(context, result, idiom);
    case 'topics':
      return renderTopics(result.topics);
    case 'help':
      return renderHelp();
  }
}

/** Suggestions as Discord choices: ≤ 25, names and values 1–100 characters. */
export function toChoices(suggestions: readonly Suggestion[]): APIApplicationCommandOptionChoice<string>[] {
  return suggestions
    .filter((choice) => choice.name.length >= 1 && choice.value.length >= 1)
    .slice(0, LIMITS.autocompleteChoices)
    .map((choice) => ({
      name: choice.name.slice(0, LIMITS.choiceText),
      value: choice.value.slice(0, LIMITS.choiceText),
    }));
}
