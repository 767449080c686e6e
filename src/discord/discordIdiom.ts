import { shorten, wordNotice, type NoticeIdiom } from '../app/noticeWording.ts';
import type { Notice } from '../search/notices.ts';
import { escapeText } from './render.ts';

/** Inline code shows text literally, so only backticks need replacing. */
function inlineCode(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

/** Notices as Discord markdown: slash commands and option names as code, user text escaped. */
export const DISCORD_IDIOM: NoticeIdiom = {
  command: (name) => inlineCode(`/${name}`),
  option: (name) => inlineCode(name),
  quote: (text) => `“${escapeText(shorten(text))}”`,
  example: inlineCode,
  hasPeriods: true,
};

/** In a DM the same verbs are plain words (`topics`, `related <id>`). */
export const DM_IDIOM: NoticeIdiom = { ...DISCORD_IDIOM, command: (name) => inlineCode(name) };

export function discordNotices(notices: readonly Notice[], idiom: NoticeIdiom = DISCORD_IDIOM): string[] {
  return notices.map((notice) => wordNotice(notice, idiom));
}
