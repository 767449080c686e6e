import { once } from 'node:events';
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  HTTPError,
  LabelBuilder,
  ModalBuilder,
  type Interaction,
  type Message,
  MessageFlags,
  Partials,
  Routes,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
  type SendableChannels,
} from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, Permissions, startEmulator } from './emulator/index.ts';
import {
  allowedMentionsPolicy,
  validateCommandList,
  validateMessageBody,
} from './emulator/validation/index.ts';

const GUILD = '1100000000000000001';
const GENERAL = '1100000000000000010';
const DIGEST = '1100000000000000011';
const LOCKED = '1100000000000000012';
const DOOMED = '1100000000000000013';
const ALICE = { id: '1200000000000000001', username: 'alice' };
const BOB = { id: '1200000000000000002', username: 'bob', dmsClosed: true };

const NO_PINGS = { parse: [] as never[] };

let emu: Emulator;
let client: Client;
/** Each test installs the bot behaviour it needs; errors thrown by handlers are collected. */
let onInteraction: (interaction: Interaction) => Promise<void> = async () => undefined;
let onMessage: (message: Message) => Promise<void> = async () => undefined;
const handlerErrors: unknown[] = [];

function sendable(id: string): SendableChannels {
  const channel = client.channels.cache.get(id);
  if (!channel?.isSendable()) throw new Error(`channel ${id} is not cached/sendable`);
  return channel;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  emu = await startEmulator({
    heartbeatIntervalMs: 400,
    users: [ALICE, BOB],
    guilds: [
      {
        id: GUILD,
        name: 'Newsroom',
        ownerId: ALICE.id,
        members: [{ user: ALICE.id }],
        channels: [
          { id: GENERAL, name: 'general' },
          { id: DIGEST, name: 'digest' },
          { id: LOCKED, name: 'locked' },
          { id: DOOMED, name: 'doomed' },
        ],
      },
    ],
  });
  client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages],
    partials: [Partials.Channel],
    rest: { api: emu.apiUrl },
    allowedMentions: NO_PINGS,
  });
  client.on(Events.InteractionCreate, (interaction) => {
    onInteraction(interaction).catch((error: unknown) => handlerErrors.push(error));
  });
  client.on(Events.MessageCreate, (message) => {
    if (message.author.id === client.user?.id) return;
    onMessage(message).catch((error: unknown) => handlerErrors.push(error));
  });
  const ready = once(client, Events.ClientReady);
  await client.login(emu.token);
  await ready;
  await emu.waitForReady();
});

afterAll(async () => {
  await client?.destroy();
  await emu?.close();
});

afterEach(() => {
  onInteraction = async () => undefined;
  onMessage = async () => undefined;
  expect(handlerErrors.splice(0)).toEqual([]);
  emu.clearViolations();
});

describe('login and gateway', () => {
  it('logs the real discord.js client in and caches the configured guild', () => {
    expect(client.user?.id).toBe(emu.botUser.id);
    const guild = client.guilds.cache.get(GUILD);
    expect(guild?.name).toBe('Newsroom');
    expect(guild?.channels.cache.map((c) => c.name).sort()).toEqual([
      'digest',
      'doomed',
      'general',
      'locked',
    ]);
    expect(guild?.members.me?.roles.cache.size).toBeGreaterThan(0);
    expect(emu.stats.identifies).toBe(1);
    const sent = emu.gatewayLog.filter((e) => e.direction === 'send' && e.op === 0).map((e) => e.t);
    expect(sent.slice(0, 2)).toEqual(['READY', 'GUILD_CREATE']);
    expect(emu.requests.map((r) => r.route)).toContain('/gateway/bot');
    expect(emu.violations).toEqual([]);
  });

  it('rejects a wrong token with 401 on REST', async () => {
    const intruder = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: emu.apiUrl } });
    await expect(intruder.login('not-the-token')).rejects.toThrow(/invalid token/i);
    await intruder.destroy();
    expect(emu.takeViolations()).toMatchObject([{ kind: 'rejected', status: 401, route: '/gateway/bot' }]);
  });

  it('resumes after a server-side close (4000) and replays events missed meanwhile', async () => {
    onInteraction = async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.reply({ content: 'still here' });
    };
    const resumes = emu.stats.resumes;
    emu.dropConnection(4000);
    // Dispatched while the socket is down: buffered in the session and replayed on RESUME.
    const handle = emu.sendCommand({ name: 'ping', channelId: GENERAL, user: ALICE.id });
    await emu.waitForResumed({ since: resumes });
    expect((await handle.response()).accepted).toBe(true);
    expect(emu.stats.identifies).toBe(1);
    const resume = emu.gatewayLog.find((e) => e.direction === 'receive' && e.op === 6);
    expect(resume?.d).toMatchObject({ session_id: expect.any(String), seq: expect.any(Number) });
    const resumed = emu.gatewayLog.find((e) => e.t === 'RESUMED');
    const replayed = emu.gatewayLog.find(
      (e) => e.t === 'INTERACTION_CREATE' && (e.d as { id?: string }).id === handle.id,
    );
    // The interaction was not sent on the dropped socket but replayed on the resumed one, before RESUMED.
    expect(replayed?.connection).toBe(resume?.connection);
    expect(replayed?.s).toBeLessThan(resumed?.s ?? 0);
    expect(emu.violations).toEqual([]);
  });

  it('resumes after an abrupt drop (1006) too', async () => {
    const resumes = emu.stats.resumes;
    emu.dropConnection();
    await emu.waitForResumed({ since: resumes });
    expect(emu.stats.identifies).toBe(1);
    expect(emu.violations).toEqual([]);
  });

  it('acknowledges heartbeats carrying the last sequence number', async () => {
    const from = emu.gatewayLog.length;
    const beat = await emu.waitForGateway((e) => e.direction === 'receive' && e.op === 1, { from });
    const ack = await emu.waitForGateway((e) => e.direction === 'send' && e.op === 11, { from });
    expect(ack.connection).toBe(beat.connection);
    // discord.js heartbeats the last sequence it saw (null only before the first dispatch).
    const lastDispatch = emu.gatewayLog.filter((e) => e.op === 0 && e.connection === beat.connection).at(-1);
    expect(typeof beat.d).toBe('number');
    expect(beat.d).toBeLessThanOrEqual(lastDispatch?.s ?? 0);
    expect(emu.violations).toEqual([]);
  });
});

describe('commands and interactions', () => {
  it('stores bulk-overwritten commands and rejects invalid ones with 50035', async () => {
    await client.application?.commands.set([
      {
        name: 'recommend',
        description: 'Recommend an article',
        options: [{ type: 3, name: 'topic', description: 'Topic', required: true, autocomplete: true }],
      },
      { name: 'ping', description: 'Ping' },
    ]);
    expect(emu.commands().map((c) => c.name)).toEqual(['recommend', 'ping']);

    const error = await rejection(
      client.application!.commands.set([{ name: 'Recommend', description: 'Uppercase is not allowed' }]),
    );
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).code).toBe(50035);
    expect(emu.takeViolations()).toMatchObject([
      { kind: 'rejected', code: 50035, route: '/applications/:application_id/commands' },
    ]);
    expect(emu.commands().map((c) => c.name)).toEqual(['recommend', 'ping']);
  });

  it('delivers a slash command and records the reply', async () => {
    onInteraction = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.reply({ content: `About ${interaction.options.getString('topic', true)}` });
    };
    const handle = emu.sendCommand({
      name: 'recommend',
      options: { topic: 'ai' },
      channelId: GENERAL,
      user: ALICE.id,
    });
    const response = await handle.response();
    expect(response).toMatchObject({ type: 4, accepted: true, status: 204 });
    const record = await handle.settled();
    expect(record.original?.content).toBe('About ai');
    expect(record.original?.allowedMentions).toEqual({ parse: [] });
    expect(record.ephemeral).toBe(false);
    expect(emu.violations).toEqual([]);
  });

  it('rejects a second callback with 40060 and records a violation', async () => {
    let second: unknown;
    onInteraction = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.reply({ content: 'first', flags: MessageFlags.Ephemeral });
      // A second process answering the same interaction (discord.js itself refuses before the network).
      second = await rejection(
        client.rest.post(Routes.interactionCallback(interaction.id, interaction.token), {
          body: { type: 4, data: { content: 'second', allowed_mentions: NO_PINGS } },
          auth: false,
        }),
      );
    };
    const handle = emu.sendCommand({ name: 'ping', channelId: GENERAL, user: ALICE.id });
    const record = await handle.settled();
    expect(record.callbacks.map((c) => c.status)).toEqual([204, 400]);
    expect(record.ephemeral).toBe(true);
    expect((second as DiscordAPIError).code).toBe(40060);
    expect(emu.takeViolations()).toMatchObject([{ kind: 'rejected', code: 40060, interactionId: handle.id }]);
  });

  it('answers 10062 when the callback comes after the acknowledgement deadline', async () => {
    emu.configure({ ackDeadlineMs: 200 });
    let late: unknown;
    onInteraction = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await new Promise((resolve) => setTimeout(resolve, 350));
      late = await rejection(interaction.reply({ content: 'too late' }));
    };
    try {
      const handle = emu.sendCommand({ name: 'ping', channelId: GENERAL, user: ALICE.id });
      const response = await handle.response();
      expect(response).toMatchObject({ accepted: false, status: 404, error: { code: 10062 } });
      await handle.settled();
      expect((late as DiscordAPIError).code).toBe(10062);
      expect(emu.takeViolations()).toMatchObject([{ code: 10062 }]);
    } finally {
      emu.configure({ ackDeadlineMs: 3000 });
    }
  });

  it('rejects an autocomplete result with 26 choices', async () => {
    let error: unknown;
    onInteraction = async (interaction) => {
      if (!interaction.isAutocomplete()) return;
      const choices = Array.from({ length: 26 }, (_, i) => ({ name: `topic ${i}`, value: `t${i}` }));
      error = await rejection(interaction.respond(choices));
    };
    const handle = emu.sendAutocomplete({
      name: 'recommend',
      options: { topic: 'a' },
      focused: 'topic',
      channelId: GENERAL,
      user: ALICE.id,
    });
    expect(handle.payload.data).toMatchObject({ options: [{ name: 'topic', focused: true, value: 'a' }] });
    const response = await handle.response();
    expect(response).toMatchObject({ type: 8, accepted: false, status: 400, error: { code: 50035 } });
    await handle.settled();
    expect((error as DiscordAPIError).code).toBe(50035);
    const [violation] = emu.takeViolations();
    expect(violation?.errors).toMatchObject({
      data: { choices: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } },
    });
  });

  it('accepts a valid autocomplete result', async () => {
    onInteraction = async (interaction) => {
      if (interaction.isAutocomplete()) await interaction.respond([{ name: 'AI', value: 'ai' }]);
    };
    const handle = emu.sendAutocomplete({
      name: 'recommend',
      options: { topic: 'a' },
      focused: 'topic',
      channelId: GENERAL,
      user: ALICE.id,
    });
    await handle.settled();
    expect(handle.record.autocompleteChoices).toEqual([{ name: 'AI', value: 'ai' }]);
    expect(emu.violations).toEqual([]);
  });

  it('routes a button click with the message that holds it, and records the update', async () => {
    onInteraction = async (interaction) => {
      if (interaction.isChatInputCommand()) {
        const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
          new ButtonBuilder().setCustomId('more').setLabel('More').setStyle(ButtonStyle.Primary),
        );
        await interaction.reply({ content: 'Pick', components: [row] });
      } else if (interaction.isButton()) {
        expect(interaction.message.content).toBe('Pick');
        await interaction.update({ content: `Clicked ${interaction.customId}`, components: [] });
      }
    };
    const command = emu.sendCommand({ name: 'ping', channelId: GENERAL, user: ALICE.id });
    const original = (await command.settled()).original;
    expect(original).not.toBeNull();
    const click = emu.clickButton({ customId: 'more', messageId: original!.id, user: ALICE.id });
    expect((await click.response()).type).toBe(7);
    expect(emu.getMessage(original!.id)?.content).toBe('Clicked more');
    expect(emu.violations).toEqual([]);
  });

  it('lets the interaction token expire after 15 minutes (401 / 50027)', async () => {
    let expired: unknown;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    onInteraction = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      await gate;
      expired = await rejection(interaction.editReply({ content: 'done' }));
    };
    const handle = emu.sendCommand({ name: 'ping', channelId: GENERAL, user: ALICE.id });
    expect((await handle.response()).type).toBe(5);
    emu.clock.advance(15 * 60_000 + 1);
    release();
    await handle.settled();
    expect((expired as DiscordAPIError).status).toBe(401);
    expect((expired as DiscordAPIError).code).toBe(50027);
    expect(handle.record.original?.loading).toBe(true);
    expect(emu.takeViolations()).toMatchObject([{ code: 50027 }]);
  });
  it('supports defer → editReply → ephemeral follow-up, and with_response', async () => {
    let responseMessageId: string | undefined;
    onInteraction = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const response = await interaction.deferReply({ withResponse: true });
      responseMessageId = response.resource?.message?.id;
      await interaction.editReply({ content: 'final answer' });
      await interaction.followUp({ content: 'only you', flags: MessageFlags.Ephemeral });
    };
    const handle = emu.sendCommand({ name: 'ping', channelId: GENERAL, user: ALICE.id });
    const record = await handle.settled();
    expect(record.responseType).toBe(5);
    expect(record.callbacks[0]).toMatchObject({ withResponse: true, status: 200 });
    expect(record.original).toMatchObject({ content: 'final answer', loading: false, ephemeral: false });
    expect(responseMessageId).toBe(record.original?.id);
    expect(record.followUps).toHaveLength(1);
    expect(record.followUps[0]).toMatchObject({ content: 'only you', ephemeral: true, source: 'follow-up' });
    expect(handle.messages()).toHaveLength(2);
    expect(emu.violations).toEqual([]);
  });

  it('rejects editing @original before any acknowledgement (10015)', async () => {
    let error: unknown;
    onInteraction = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      error = await rejection(
        client.rest.patch(Routes.webhookMessage(interaction.applicationId, interaction.token), {
          body: { content: 'too early' },
          auth: false,
        }),
      );
      await interaction.reply({ content: 'ok' });
    };
    const handle = emu.sendCommand({ name: 'ping', channelId: GENERAL, user: ALICE.id });
    await handle.settled();
    expect((error as DiscordAPIError).code).toBe(10015);
    expect(emu.takeViolations()).toMatchObject([{ code: 10015, interactionId: handle.id }]);
  });

  it('routes select menus and modals end to end', async () => {
    onInteraction = async (interaction) => {
      if (interaction.isChatInputCommand()) {
        const select = new StringSelectMenuBuilder()
          .setCustomId('topic')
          .addOptions({ label: 'AI', value: 'ai' }, { label: 'Climate', value: 'climate' });
        await interaction.reply({
          content: 'Choose',
          components: [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(select)],
        });
      } else if (interaction.isStringSelectMenu()) {
        const modal = new ModalBuilder()
          .setCustomId(`note:${interaction.values[0]}`)
          .setTitle('Add a note')
          .addLabelComponents(
            new LabelBuilder()
              .setLabel('Note')
              .setTextInputComponent(
                new TextInputBuilder().setCustomId('note').setStyle(TextInputStyle.Short),
              ),
          );
        await interaction.showModal(modal);
      } else if (interaction.isModalSubmit()) {
        await interaction.reply({
          content: `${interaction.customId} = ${interaction.fields.getTextInputValue('note')}`,
          flags: MessageFlags.Ephemeral,
        });
      }
    };
    const command = emu.sendCommand({ name: 'ping', channelId: GENERAL, user: ALICE.id });
    const original = (await command.settled()).original;
    const select = emu.selectMenu({
      customId: 'topic',
      messageId: original!.id,
      values: ['climate'],
      user: ALICE.id,
    });
    expect((await select.response()).type).toBe(9);
    expect(select.record.modal).toMatchObject({ custom_id: 'note:climate', title: 'Add a note' });
    const submit = emu.submitModal({ interaction: select, fields: { note: 'read later' } });
    const record = await submit.settled();
    expect(record.original).toMatchObject({ content: 'note:climate = read later', ephemeral: true });
    expect(emu.violations).toEqual([]);
  });
});

describe('channel messages', () => {
  it('rejects content over 2000 characters with 50035', async () => {
    const error = await rejection(sendable(GENERAL).send({ content: 'x'.repeat(2001) }));
    expect((error as DiscordAPIError).code).toBe(50035);
    const [violation] = emu.takeViolations();
    expect(violation?.errors).toMatchObject({ content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } });
  });

  it('returns the same message for a repeated enforce_nonce', async () => {
    const channel = sendable(DIGEST);
    const first = await channel.send({
      content: 'Daily digest',
      nonce: 'digest-2024-05-01',
      enforceNonce: true,
    });
    const again = await channel.send({
      content: 'Daily digest',
      nonce: 'digest-2024-05-01',
      enforceNonce: true,
    });
    expect(again.id).toBe(first.id);
    expect(emu.messagesIn(DIGEST).filter((m) => m.content === 'Daily digest')).toHaveLength(1);
    expect(emu.violations).toEqual([]);
  });

  it('answers 10003 for a deleted channel', async () => {
    const channel = sendable(DOOMED);
    emu.deleteChannel(DOOMED);
    const error = await rejection(channel.send({ content: 'anyone?' }));
    expect((error as DiscordAPIError).code).toBe(10003);
    expect(emu.takeViolations()).toMatchObject([{ code: 10003, status: 404 }]);
  });

  it('answers 50013 when the bot is denied SEND_MESSAGES in the channel', async () => {
    emu.setBotChannelPermissions(LOCKED, { deny: Permissions.SendMessages });
    const error = await rejection(sendable(LOCKED).send({ content: 'hello' }));
    expect((error as DiscordAPIError).code).toBe(50013);
    expect(emu.takeViolations()).toMatchObject([{ code: 50013, status: 403 }]);
  });

  it('flags messages sent without allowed_mentions.parse = []', async () => {
    await sendable(GENERAL).send({ content: 'hi @everyone', allowedMentions: { parse: ['everyone'] } });
    expect(emu.takeViolations()).toMatchObject([{ kind: 'policy', route: '/channels/:channel_id/messages' }]);
  });

  it('parses multipart uploads (payload_json + files)', async () => {
    const sent = await sendable(GENERAL).send({
      content: 'report attached',
      files: [{ attachment: Buffer.from('hello world'), name: 'report.txt', description: 'The report' }],
    });
    const stored = emu.getMessage(sent.id);
    expect(stored?.content).toBe('report attached');
    expect(stored?.attachments).toMatchObject([
      { filename: 'report.txt', size: 11, description: 'The report' },
    ]);
    const request = emu.requests.findLast((r) => r.route === '/channels/:channel_id/messages');
    expect(request?.contentType).toMatch(/^multipart\/form-data/);
    expect(request?.files).toMatchObject([{ field: 'files[0]', filename: 'report.txt' }]);
    expect(sent.attachments.first()?.name).toBe('report.txt');
    expect(emu.violations).toEqual([]);
  });

  it('enforces embed limits and the empty-message rule', async () => {
    // Raw objects: discord.js's EmbedBuilder would refuse these before they reach the wire.
    const tooMany = {
      title: 't',
      fields: Array.from({ length: 26 }, (_, i) => ({ name: `f${i}`, value: 'v' })),
    };
    const fields = (await rejection(sendable(GENERAL).send({ embeds: [tooMany] }))) as DiscordAPIError;
    expect(fields.code).toBe(50035);
    const big = Array.from({ length: 2 }, () => ({ description: 'y'.repeat(3500) }));
    expect(((await rejection(sendable(GENERAL).send({ embeds: big }))) as DiscordAPIError).code).toBe(50035);
    expect(((await rejection(sendable(GENERAL).send({ content: '   ' }))) as DiscordAPIError).code).toBe(
      50006,
    );
    expect(emu.takeViolations().map((v) => v.code)).toEqual([50035, 50035, 50006]);
  });

  it('retries through a scripted 429 and fails after an outage', async () => {
    emu.rateLimit({ route: '/channels/:channel_id/messages', count: 1, retryAfterMs: 150 });
    const sent = await sendable(GENERAL).send({ content: 'after backoff' });
    const statuses = emu.requests
      .filter((r) => r.route === '/channels/:channel_id/messages')
      .slice(-2)
      .map((r) => r.status);
    expect(statuses).toEqual([429, 200]);
    expect(emu.getMessage(sent.id)?.content).toBe('after backoff');

    emu.outage(true);
    const error = await rejection(sendable(GENERAL).send({ content: 'during outage' }));
    emu.outage(false);
    expect(error).toBeInstanceOf(HTTPError);
    expect((error as HTTPError).status).toBe(503);
    expect(emu.violations).toEqual([]);
  });
});

describe('a slow Discord', () => {
  it('GIVEN delayed answers on message posts THEN the message exists before the bot hears back', async () => {
    emu.delayResponses({ route: '/channels/:channel_id/messages', method: 'POST', ms: 300 });
    try {
      const started = Date.now();
      const sending = sendable(GENERAL).send({ content: 'slow news', allowedMentions: NO_PINGS });
      const stored = await emu.waitForMessage((message) => message.content === 'slow news');
      expect(Date.now() - started).toBeLessThan(300);
      const sent = await sending;
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(sent.id).toBe(stored.id);
    } finally {
      emu.delayResponses();
    }
    expect(emu.violations).toEqual([]);
  });
});

describe('direct messages', () => {
  it('delivers a DM to messageCreate and records the reply', async () => {
    onMessage = async (message) => {
      if (message.guildId === null && message.channel.isSendable()) {
        await message.channel.send({ content: `You said: ${message.content}` });
      }
    };
    const dm = emu.sendDirectMessage({ user: ALICE.id, content: 'hello bot' });
    expect(dm.payload).toMatchObject({ channel_type: 1, author: { id: ALICE.id } });
    expect(dm.payload).not.toHaveProperty('guild_id');
    const reply = await dm.waitForReply();
    expect(reply.content).toBe('You said: hello bot');
    expect(reply.channelId).toBe(dm.channelId);
    expect(emu.violations).toEqual([]);
  });

  it('opens a DM with a user who closed DMs but answers 50007 on send', async () => {
    const user = await client.users.fetch(BOB.id);
    const channel = await user.createDM();
    const error = await rejection(channel.send({ content: 'psst' }));
    expect((error as DiscordAPIError).code).toBe(50007);
    expect(emu.takeViolations()).toMatchObject([{ code: 50007, status: 403 }]);
  });
});

describe('pure validators', () => {
  it('checks components: row width, custom ids, link buttons', () => {
    const button = (id: string) => ({ type: 2, style: 1, label: id, custom_id: id });
    const issues = validateMessageBody({
      content: 'x',
      components: [
        { type: 1, components: ['a', 'b', 'c', 'd', 'e', 'f'].map(button) },
        { type: 1, components: [button('a')] },
        { type: 1, components: [{ type: 2, style: 5, label: 'link', custom_id: 'nope' }] },
        {
          type: 1,
          components: [button('z'), { type: 3, custom_id: 's', options: [{ label: 'l', value: 'v' }] }],
        },
      ],
    });
    expect(issues.map((i) => `${i.path.join('.')}:${i.code}`)).toEqual([
      'components.0.components:BASE_TYPE_BAD_LENGTH',
      'components.1.components.0.custom_id:COMPONENT_CUSTOM_ID_DUPLICATED',
      'components.2.components.0.custom_id:BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED',
      'components.2.components.0.url:BUTTON_COMPONENT_URL_REQUIRED',
      'components.3.components:COMPONENT_LAYOUT_WIDTH_EXCEEDED',
    ]);
  });

  it('checks embed URLs and the mention policy', () => {
    const issues = validateMessageBody({ embeds: [{ title: 't', url: 'ftp://example.com/x' }] });
    expect(issues).toMatchObject([{ path: ['embeds', 0, 'url'], code: 'URL_TYPE_INVALID_SCHEME' }]);
    expect(allowedMentionsPolicy({ content: 'x' })).toMatch(/without allowed_mentions/);
    expect(allowedMentionsPolicy({ content: 'x', allowed_mentions: { parse: ['users'] } })).toMatch(
      /empty array/,
    );
    expect(allowedMentionsPolicy({ content: 'x', allowed_mentions: { parse: [] } })).toBeNull();
    expect(allowedMentionsPolicy({ content: 'x', allowed_mentions: { roles: ['123'] } })).toBeNull();
  });

  it('checks command definitions', () => {
    const issues = validateCommandList([
      {
        name: 'search',
        description: 'd',
        options: [
          { type: 3, name: 'q', description: 'q' },
          { type: 3, name: 'r', description: 'r', required: true },
          { type: 3, name: 'c', description: 'c', autocomplete: true, choices: [{ name: 'a', value: 'a' }] },
        ],
        contexts: [0, 7],
        default_member_permissions: 8,
      },
      { name: 'search', description: 'duplicate' },
      { name: 'x'.repeat(33), description: '' },
    ]);
    expect(issues.map((i) => `${i.path.join('.')}:${i.code}`)).toEqual([
      '0.options.1.required:APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID',
      '0.options.2.autocomplete:APPLICATION_COMMAND_AUTOCOMPLETE_INVALID',
      '0.default_member_permissions:NUMBER_TYPE_COERCE',
      '0.contexts.1:BASE_TYPE_CHOICES',
      '1.name:APPLICATION_COMMANDS_DUPLICATE_NAME',
      '2.name:BASE_TYPE_BAD_LENGTH',
      '2.description:BASE_TYPE_REQUIRED',
    ]);
  });
});

describe('sharding', () => {
  // (id >> 22) % 2: the first is on shard 0 of 2, the second on shard 1.
  const ON_SHARD_0 = { guild: '1100000000004194305', channel: '1100000000004194306' };
  const ON_SHARD_1 = { guild: '1100000000000000001', channel: '1100000000000000002' };
  let sharded: Emulator;
  const shards: Client[] = [];
  const seen: { shard: number; kind: string; guildId: string | null }[] = [];

  function shardClient(id: number): Client {
    const shard = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages],
      partials: [Partials.Channel],
      rest: { api: sharded.apiUrl },
      allowedMentions: NO_PINGS,
      shards: [id],
      shardCount: 2,
    });
    shard.on(Events.InteractionCreate, (interaction) => {
      seen.push({ shard: id, kind: 'interaction', guildId: interaction.guildId });
      if (interaction.isChatInputCommand())
        interaction.reply({ content: `shard ${id}` }).catch((error: unknown) => handlerErrors.push(error));
    });
    shard.on(Events.MessageCreate, (message) => {
      if (message.author.id !== shard.user?.id)
        seen.push({ shard: id, kind: 'message', guildId: message.guildId });
    });
    return shard;
  }

  /** A raw gateway connection that sends one IDENTIFY and resolves with the close code. */
  async function identifyRaw(shard: unknown): Promise<number> {
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`${sharded.gatewayUrl}?v=10&encoding=json`);
    ws.on('message', (data: Buffer) => {
      const payload = JSON.parse(data.toString()) as { op: number };
      if (payload.op === 10) {
        ws.send(
          JSON.stringify({
            op: 2,
            d: { token: sharded.token, intents: 1, properties: { os: 'linux' }, shard },
          }),
        );
      }
    });
    const [code] = (await once(ws, 'close')) as [number];
    return code;
  }

  beforeAll(async () => {
    sharded = await startEmulator({
      heartbeatIntervalMs: 400,
      users: [ALICE],
      maxConcurrency: 2,
      guilds: [ON_SHARD_0, ON_SHARD_1].map(({ guild, channel }) => ({
        id: guild,
        name: `Guild ${guild}`,
        ownerId: ALICE.id,
        members: [{ user: ALICE.id }],
        channels: [{ id: channel, name: 'general' }],
      })),
    });
    shards.push(shardClient(0), shardClient(1));
    await Promise.all(shards.map((shard) => shard.login(sharded.token)));
    await sharded.waitForShards(2);
    await Promise.all(shards.map((shard) => (shard.isReady() ? undefined : once(shard, Events.ClientReady))));
  });

  afterAll(async () => {
    await Promise.all(shards.map((shard) => shard.destroy()));
    await sharded?.close();
  });

  afterEach(() => {
    seen.length = 0;
    sharded.clearViolations();
  });

  it('GIVEN two shards of 2 THEN each is sent READY and GUILD_CREATE for its own guilds only', () => {
    expect(shards[0]!.guilds.cache.map((guild) => guild.id)).toEqual([ON_SHARD_0.guild]);
    expect(shards[1]!.guilds.cache.map((guild) => guild.id)).toEqual([ON_SHARD_1.guild]);
    const readies = sharded.gatewayLog.filter((entry) => entry.t === 'READY');
    expect(readies.map((entry) => (entry.d as { shard: number[] }).shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(sharded.sessions.map((session) => session.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(sharded.violations).toEqual([]);
  });

  it('GIVEN commands in both guilds and in a DM THEN each reaches only the shard that owns it (DMs: shard 0)', async () => {
    const inGuild0 = sharded.sendCommand({ name: 'ping', channelId: ON_SHARD_0.channel, user: ALICE.id });
    const inGuild1 = sharded.sendCommand({ name: 'ping', channelId: ON_SHARD_1.channel, user: ALICE.id });
    const inDm = sharded.sendCommand({ name: 'ping', user: ALICE.id });
    const records = await Promise.all([inGuild0, inGuild1, inDm].map((handle) => handle.settled()));
    expect(records.map((record) => record.shards)).toEqual([[0], [1], [0]]);
    expect(records.map((record) => record.original?.content)).toEqual(['shard 0', 'shard 1', 'shard 0']);
    expect(seen.filter((event) => event.kind === 'interaction').map((event) => event.shard)).toEqual(
      expect.arrayContaining([0, 1, 0]),
    );
    expect(seen.filter((event) => event.kind === 'interaction')).toHaveLength(3);
    expect(sharded.shardOf(ON_SHARD_1.guild, 2)).toBe(1);
    expect(sharded.violations).toEqual([]);
  });

  it('GIVEN a DM from a user THEN MESSAGE_CREATE goes to shard 0 only', async () => {
    const dm = sharded.sendDirectMessage({ user: ALICE.id, content: 'hello' });
    expect(dm.shards).toEqual([0]);
    await eventuallySeen(() => seen.some((event) => event.kind === 'message'));
    expect(seen).toEqual([{ shard: 0, kind: 'message', guildId: null }]);
  });

  it('GIVEN GET /gateway/bot THEN it recommends the configured shards and max_concurrency', async () => {
    const gatewayBot = async () =>
      (await (
        await fetch(`${sharded.apiUrl}/v10/gateway/bot`, {
          headers: { Authorization: `Bot ${sharded.token}` },
        })
      ).json()) as { shards: number; session_start_limit: { max_concurrency: number } };
    expect(await gatewayBot()).toMatchObject({ shards: 1, session_start_limit: { max_concurrency: 2 } });
    sharded.configure({ recommendedShards: 3 });
    expect((await gatewayBot()).shards).toBe(3);
    sharded.configure({ recommendedShards: null });
  });

  it('GIVEN an IDENTIFY with a shard id outside [0, count) THEN the gateway closes with 4010', async () => {
    expect(await identifyRaw([2, 2])).toBe(4010);
    expect(await identifyRaw([0, 0])).toBe(4010);
    expect(sharded.takeViolations()).toMatchObject([
      { kind: 'gateway', reason: expect.stringContaining('invalid shard') },
      { kind: 'gateway', reason: expect.stringContaining('invalid shard') },
    ]);
  });

  it('GIVEN more guilds on one shard than allowed THEN IDENTIFY is closed with 4011 Sharding required', async () => {
    sharded.configure({ maxGuildsPerShard: 1 });
    try {
      expect(await identifyRaw(undefined)).toBe(4011); // unsharded: both guilds on one shard
      expect(sharded.takeViolations()).toMatchObject([
        { kind: 'gateway', reason: expect.stringContaining('sharding required') },
      ]);
    } finally {
      sharded.configure({ maxGuildsPerShard: 2_500 });
    }
  });

  it('GIVEN more than 50 requests in a second across processes THEN 429 global, counted; interaction callbacks stay exempt', async () => {
    sharded.configure({ rateLimit: { limit: 10_000, windowMs: 1_000 } }); // isolate the global bucket
    const before = sharded.rateLimitCounts.global;
    const get = () =>
      fetch(`${sharded.apiUrl}/v10/channels/${ON_SHARD_0.channel}`, {
        headers: { Authorization: `Bot ${sharded.token}` },
      });
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 80 }, get));
    const elapsedMs = Date.now() - started;
    const limited = answers.filter((answer) => answer.status === 429);
    // A token bucket: 50 at once, then one more every 20 ms.
    expect(limited.length).toBeGreaterThan(0);
    expect(answers.length - limited.length).toBeLessThanOrEqual(50 + Math.ceil(elapsedMs / 20) + 1);
    const body = (await limited[0]!.json()) as { global: boolean; retry_after: number };
    expect(body).toMatchObject({ global: true, message: 'You are being rate limited.' });
    expect(body.retry_after).toBeGreaterThan(0);
    expect(limited[0]!.headers.get('x-ratelimit-global')).toBe('true');
    expect(sharded.rateLimitCounts.global - before).toBe(limited.length);
    // The bucket is empty, yet an interaction's callback goes through.
    const record = await sharded
      .sendCommand({ name: 'ping', channelId: ON_SHARD_0.channel, user: ALICE.id })
      .settled();
    expect(record.callbacks.map((callback) => callback.accepted)).toEqual([true]);
    expect(sharded.takeViolations().map((violation) => violation.kind)).toEqual(
      limited.map(() => 'rate-limit'),
    );
    sharded.clock.advance(1_000); // refilled
    expect((await get()).status).toBe(200);
    sharded.configure({ rateLimit: { limit: 50, windowMs: 1_000 } });
  });
});

async function eventuallySeen(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
