import {
  Events,
  GatewayDispatchEvents,
  type Client,
  type GatewayDispatchPayload,
  type GatewayMessageCreateDispatchData,
  type Message,
} from 'discord.js';
import type { Logger } from '../logger.ts';

/** The one private discord.js call we need: it builds the Message and caches it in its channel. */
interface MessageCache {
  cache: { has(id: string): boolean };
  _add(data: unknown): Message;
}

/**
 * discord.js 14.28 builds an uncached DM channel from MESSAGE_CREATE's `channel_type`; an event without
 * it (seen on third-party servers) is dropped with no event and no log. This watches the raw gateway
 * events and, for a DM whose channel is not cached and whose event has no `channel_type`, fetches the
 * channel and hands the message to `handle`. A message discord.js emitted itself is never handled again:
 * it is in its channel's cache then, and a message added here is in that cache, so discord.js skips it.
 * Returns a function that uninstalls the fallback.
 */
export function installUncachedDmFallback(
  client: Client,
  handle: (message: Message) => void,
  logger: Logger,
): () => void {
  const alreadyHandled = (channelId: string, messageId: string): boolean => {
    const channel = client.channels.cache.get(channelId);
    return channel?.isTextBased() === true && channel.messages.cache.has(messageId);
  };

  async function recover(data: GatewayMessageCreateDispatchData): Promise<void> {
    const where = { channel: data.channel_id, user: data.author.id };
    try {
      if (alreadyHandled(data.channel_id, data.id)) return;
      const channel = await client.channels.fetch(data.channel_id);
      if (!channel?.isDMBased() || !channel.isTextBased()) {
        logger.warn(where, 'a message without a server came from a channel that is not a DM; ignored');
        return;
      }
      const messages = channel.messages as unknown as MessageCache;
      if (messages.cache.has(data.id)) return;
      const message = messages._add(data);
      logger.debug(where, 'direct message for an uncached channel without channel_type: fetched the channel');
      handle(message);
    } catch (error) {
      logger.warn({ ...where, err: error }, 'could not fetch the channel of a direct message; it is dropped');
    }
  }

  const onRaw = (packet: GatewayDispatchPayload) => {
    if (packet.t !== GatewayDispatchEvents.MessageCreate) return;
    const data = packet.d;
    if (data.guild_id !== undefined || 'channel_type' in data || data.author.bot) return;
    if (client.channels.cache.has(data.channel_id)) return;
    // discord.js handles the packet right after emitting it raw: look once it has had its chance.
    setImmediate(() => void recover(data));
  };
  client.on(Events.Raw, onRaw);
  return () => client.off(Events.Raw, onRaw);
}
