import type { Command } from '../src/discord/command.ts';
import { digest } from './digest.ts';
import { digestSettings } from './digest-settings/index.ts';
import { help } from './help.ts';
import { related } from './related.ts';
import { search } from './search.ts';
import { subscribe } from './subscribe.ts';
import { subscriptions } from './subscriptions.ts';
import { topic } from './topic.ts';
import { topics } from './topics.ts';
import { trending } from './trending.ts';
import { unsubscribe } from './unsubscribe.ts';

/** The explicit registry. The composition roots (main.ts, the deploy script) hand it to the dispatcher and deploy-commands. */
export const commands: readonly Command[] = [
  search,
  topic,
  topics,
  related,
  trending,
  digest,
  help,
  digestSettings,
  subscribe,
  unsubscribe,
  subscriptions,
];
