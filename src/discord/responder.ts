import { MessageFlags, type ChatInputCommandInteraction, type MessageComponentInteraction } from 'discord.js';
import type { Responder } from './command.ts';
import type { RenderedMessage } from './render.ts';

/**
 * Answers one interaction exactly once. If the handler has not answered within `deferAfterMs`, the
 * interaction is deferred (Discord allows 3 s for the first response) and the answer becomes an edit.
 * Every step is chained on one promise, so a defer and a reply can never race into a 40060. The state
 * moves only once Discord accepted the step: a rejected first reply leaves the interaction unanswered,
 * so the error is shown with another reply (a follow-up would be refused with InteractionNotReplied).
 */
export class InteractionResponder implements Responder {
  private chain: Promise<unknown> = Promise.resolve();
  private state: 'fresh' | 'deferred' | 'answered' = 'fresh';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly interaction: ChatInputCommandInteraction | MessageComponentInteraction,
    private readonly mode: 'reply' | 'update' = 'reply',
    deferAfterMs = 1_000,
    /** Defer privately: for commands whose answers are only for the person who asked. */
    private readonly deferEphemeral = false,
  ) {
    this.timer = setTimeout(() => this.deferNow(), deferAfterMs);
    this.timer.unref();
  }

  private enqueue<T>(step: () => Promise<T>): Promise<T> {
    const next = this.chain.then(step);
    this.chain = next.catch(() => undefined);
    return next;
  }

  deferNow(): Promise<void> {
    return this.enqueue(async () => {
      if (this.state !== 'fresh') return;
      if (this.mode === 'update') await (this.interaction as MessageComponentInteraction).deferUpdate();
      else
        await this.interaction.deferReply({
          flags: this.deferEphemeral ? MessageFlags.Ephemeral : undefined,
        });
      this.state = 'deferred';
    });
  }

  send(message: RenderedMessage, options: { ephemeral?: boolean } = {}): Promise<void> {
    clearTimeout(this.timer);
    return this.enqueue(async () => {
      if (this.state === 'fresh') {
        if (this.mode === 'update') {
          await (this.interaction as MessageComponentInteraction).update(message);
        } else {
          await this.interaction.reply({
            ...message,
            flags: options.ephemeral ? MessageFlags.Ephemeral : undefined,
          });
        }
        this.state = 'answered';
        return;
      }
      if (this.state === 'deferred') {
        if (options.ephemeral && !this.deferEphemeral && this.mode === 'reply') {
          // Deferred in public before the answer turned out private (a notice for the asker only):
          // the answer goes privately and the public "thinking…" placeholder is removed.
          await this.interaction.followUp({ ...message, flags: MessageFlags.Ephemeral });
          this.state = 'answered';
          await this.interaction.deleteReply();
          return;
        }
        await this.interaction.editReply(message);
        this.state = 'answered';
        return;
      }
      await this.interaction.followUp({
        ...message,
        flags: options.ephemeral ? MessageFlags.Ephemeral : undefined,
      });
    });
  }

  /** An error the user can read: ephemeral when possible, an edit of the deferred reply otherwise. */
  sendError(text: string): Promise<void> {
    clearTimeout(this.timer);
    return this.enqueue(async () => {
      const message = { content: text, embeds: [], components: [], allowedMentions: { parse: [] as [] } };
      if (this.state === 'fresh') {
        // Also after a rejected first answer: the interaction is still unanswered, a reply is what works.
        await this.interaction.reply({ ...message, flags: MessageFlags.Ephemeral });
        this.state = 'answered';
      } else if (this.state === 'deferred') {
        await this.interaction.editReply(message);
        this.state = 'answered';
      } else {
        await this.interaction.followUp({ ...message, flags: MessageFlags.Ephemeral });
      }
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
