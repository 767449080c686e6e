/**
 * 👍 and 👎 under a list of articles: two buttons per article, two articles to a row, labelled with the
 * article's number in the list. Their custom ids carry the article id (`vote:up:<id>`), so a vote works
 * on a message posted before a restart.
 */
import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';

import { encodeCustomId, votableId } from './customIds.ts';

const ARTICLES_PER_ROW = 2;

export function voteRows(
  articles: readonly { id: string; position: number }[],
  maxRows: number,
): APIActionRowComponent<APIButtonComponent>[] {
  const votable = articles.filter((article) => votableId(article.id)).slice(0, maxRows * ARTICLES_PER_ROW);
  const rows: APIActionRowComponent<APIButtonComponent>[] = [];
  for (let i = 0; i < votable.length; i += ARTICLES_PER_ROW) {
    rows.push({
      type: ComponentType.ActionRow,
      components: votable.slice(i, i + ARTICLES_PER_ROW).flatMap(({ id, position }) => [
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          label: `👍 ${position}`,
          custom_id: encodeCustomId({ action: 'vote', articleId: id, vote: 1 }),
        },
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          label: `👎 ${position}`,
          custom_id: encodeCustomId({ action: 'vote', articleId: id, vote: -1 }),
        },
      ]),
    });
  }
  return rows;
}
