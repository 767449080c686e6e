import { LIMITS } from './limits.ts';

/**
 * Every component's custom_id, in one format: `<action>:<arg>:<arg>`. Actions are short so ids stay far
 * under Discord's 100 characters; parsing never trusts the client (ids can be forged).
 */
export type ComponentAction =
  { action: 'page'; sessionId: string; page: number } | { action: 'related-menu' };

const SAFE = /^[\w-]{1,32}$/;

export function encodeCustomId(action: ComponentAction): string {
  let id: string;
  switch (action.action) {
    case 'page':
      id = `page:${action.sessionId}:${action.page}`;
      break;
    case 'related-menu':
      id = 'relmenu';
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
  return null;
}
