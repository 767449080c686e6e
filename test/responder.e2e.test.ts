/**
 * A first answer Discord rejects (here an invalid body, 400 / 50035) leaves the interaction unanswered:
 * the user must still see the error, through another reply, and nothing else may be sent.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { commands } from '../commands/index.ts';
import type { Command } from '../src/discord/command.ts';
import { USER_ERROR } from '../src/discord/dispatcher.ts';
import type { RenderedMessage } from '../src/discord/render.ts';
import { GENERAL, GUILD, MEMBER, startHarness, type Harness } from './support/bot.ts';

/** Content one character over Discord's 2000 (past the renderer): discord.js sends it, Discord refuses it. */
const tooLong = (): RenderedMessage => ({
  content: 'x'.repeat(2001),
  embeds: [],
  components: [],
  allowedMentions: { parse: [] },
});

const replyTooLong: Command = {
  data: { name: 'too-long-test', description: 'answers with a message Discord rejects' },
  async execute(_interaction, _context, respond) {
    await respond.send(tooLong());
  },
};

const slowThenTooLong: Command = {
  data: { name: 'slow-too-long-test', description: 'is deferred, then edits with a rejected message' },
  async execute(_interaction, _context, respond) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    await respond.send(tooLong());
  },
};

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

describe('GIVEN a first answer that Discord rejects', () => {
  it('WHEN it was the reply THEN the user sees the error as the original response, and only the one rejection is recorded', async () => {
    harness = await startHarness({ bot: { commands: [...commands, replyTooLong] } });
    const record = await harness.emu
      .sendCommand({ name: 'too-long-test', user: MEMBER, guildId: GUILD, channelId: GENERAL })
      .settled({ timeoutMs: 10_000 });

    expect(record.callbacks.map((callback) => [callback.type, callback.status])).toEqual([
      [4, 400],
      [4, 204],
    ]);
    expect(record.original?.content).toBe(USER_ERROR);
    expect(record.ephemeral).toBe(true);
    expect(record.followUps).toEqual([]);
    expect(record.webhookRequests).toEqual([]);
    const violations = harness.emu.takeViolations();
    expect(violations.map((violation) => [violation.kind, violation.status, violation.code])).toEqual([
      ['rejected', 400, 50035],
    ]);
  });

  it('WHEN it was the edit of a deferred reply THEN the deferred reply shows the error instead', async () => {
    harness = await startHarness({ bot: { deferAfterMs: 50, commands: [...commands, slowThenTooLong] } });
    const record = await harness.emu
      .sendCommand({ name: 'slow-too-long-test', user: MEMBER, guildId: GUILD, channelId: GENERAL })
      .settled({ timeoutMs: 10_000 });

    expect(record.callbacks.map((callback) => [callback.type, callback.status])).toEqual([[5, 204]]);
    expect(record.original?.content).toBe(USER_ERROR);
    expect(record.original?.loading).toBe(false);
    expect(record.followUps).toEqual([]);
    const violations = harness.emu.takeViolations();
    expect(violations.map((violation) => [violation.kind, violation.status, violation.code])).toEqual([
      ['rejected', 400, 50035],
    ]);
  });
});
