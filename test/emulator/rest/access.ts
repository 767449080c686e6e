/** The checks every channel route makes first: the channel exists and the bot can see it; a permission. */
import { DiscordErrors } from '../errors.ts';
import { Permissions } from '../permissions.ts';
import type { ChannelRecord } from '../state.ts';
import type { RestContext } from './context.ts';

export function visibleChannel(ctx: RestContext, id: string): ChannelRecord {
  const channel = ctx.state.liveChannel(id);
  if (!channel) throw DiscordErrors.unknownChannel(`channel ${id} does not exist (or was deleted)`);
  if (
    channel.guildId &&
    (ctx.state.permissionsIn(channel, ctx.state.bot.id) & Permissions.ViewChannel) === 0n
  ) {
    throw DiscordErrors.missingAccess(`bot cannot view channel ${id}`);
  }
  return channel;
}

export function requirePermission(ctx: RestContext, channel: ChannelRecord, bit: bigint, name: string): void {
  if (!channel.guildId) return;
  if ((ctx.state.permissionsIn(channel, ctx.state.bot.id) & bit) === 0n) {
    throw DiscordErrors.missingPermissions(`bot lacks ${name} in channel ${channel.id}`);
  }
}
