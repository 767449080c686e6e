/**
 * What can go wrong with a feed or one of its items, as data: the summary carries the code for
 * programs and the message for people. Front ends may word a code their own way.
 */
export type FeedProblemCode =
  | 'not-http'
  | 'unreadable-file'
  | 'timeout'
  | 'network'
  | 'http-status'
  | 'too-large'
  | 'too-many-redirects'
  | 'redirect-loop'
  | 'bad-redirect'
  | 'charset'
  | 'entity-declaration'
  | 'invalid-xml'
  | 'invalid-json'
  | 'unknown-format'
  | 'backing-off'
  | 'aborted'
  | 'busy'
  | 'state';

export type ItemProblemCode =
  | 'no-title'
  | 'markup-only-title'
  | 'no-link'
  | 'bad-link'
  | 'bad-date'
  | 'bad-image'
  | 'duplicate'
  | 'hand-written'
  | 'write-failed'
  | 'invalid-article';

export interface FeedProblem {
  code: FeedProblemCode;
  message: string;
}

export interface ItemProblem {
  code: ItemProblemCode;
  /** `rejected`: no file written for the item. `warning`: written, but something was dropped or guessed. */
  severity: 'rejected' | 'warning';
  /** Which item: its title, else its link, else its position in the feed. */
  item: string;
  message: string;
}

/** A failure with a problem code, thrown inside the feed modules and turned into a report entry. */
export class FeedError extends Error {
  constructor(
    readonly code: FeedProblemCode,
    message: string,
  ) {
    super(message);
    this.name = 'FeedError';
  }
}
