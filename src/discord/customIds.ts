import { LIMITS } from './limits.ts';

/**
 * Every component's custom_id, in one format: `<action>:<arg>:<arg>`. Actions are short so ids stay far
 * under Discord's 100 characters; parsing never trusts the client (ids can be forged).
 */
export type ComponentAction =
  | { action: 'page'; sessionId: string; page: number }
  | { action: 'related-menu' }
  /** 👍 (1) or 👎 (-1) on an article: carries the article id, so it works after a restart. */
  | { action: 'vote'; articleId: string; vote: 1 | -1 }
  /** "More like this" under a digest: the chosen article is the menu's value; answered privately. */
  | { action: 'more-like' };

const SAFE = /^[\w-]{1,32}$/;

/** True when an article's id fits a vote button's custom_id (ids are 8 characters; forged ones may not be). */
export function votableId(articleId: string): boolean {
  return SAFE.test(articleId);
}

export function encodeCustomId(action: ComponentAction): string {
  let id: string;
  switch (action.action) {
    case 'page':
      id = `page:${action.sessionId}:${action.page}`;
      break;
    case 'related-menu':
      id = 'relmenu';
      break;
    case 'vote':
      if (!SAFE.test(action.articleId))
        throw new Error(`article id unfit for a custom_id: ${action.articleId}`);
      id = `vote:${action.vote > 0 ? 'up' : 'down'}:${action.articleId}`;
      break;
    case 'more-like':
      id = 'morelike';
      break;
  }
  if (id.length > LIMITS.customId) throw new Error(`custom_id over ${LIMITS.customId} characters: ${id}`);
  return id;
}

export function decodeCustomId(customId: string): ComponentAction | null {
  const [kind, first, second] = customId.split(':');
  if (kind === 'page' && first && SAFE.test(first) && second && /^\d{1,3}$/.test(second)) {
    return { action: 'page', sessionId: first, page: Number(second) };
  }
  if (kind === 'relmenu') return { action: 'related-menu' };
  if (kind === 'vote' && (first === 'up' || first === 'down') && second && SAFE.test(second)) {
    return { action: 'vote', articleId: second, vote: first === 'up' ? 1 : -1 };
  }
  if (kind === 'morelike') return { action: 'more-like' };
  return null;
}
