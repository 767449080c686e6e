/** Permission bits the emulator understands (same values as Discord's / discord.js's PermissionFlagsBits). */
export const Permissions = {
  CreateInstantInvite: 1n << 0n,
  KickMembers: 1n << 1n,
  BanMembers: 1n << 2n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewAuditLog: 1n << 7n,
  Stream: 1n << 9n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  SendTTSMessages: 1n << 12n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  Connect: 1n << 20n,
  Speak: 1n << 21n,
  ChangeNickname: 1n << 26n,
  ManageRoles: 1n << 28n,
  ManageWebhooks: 1n << 29n,
  UseApplicationCommands: 1n << 31n,
  ManageThreads: 1n << 34n,
  CreatePublicThreads: 1n << 35n,
  CreatePrivateThreads: 1n << 36n,
  SendMessagesInThreads: 1n << 38n,
  UseExternalStickers: 1n << 37n,
  SendVoiceMessages: 1n << 46n,
  SendPolls: 1n << 49n,
  UseExternalApps: 1n << 50n,
} as const;

export const ALL_PERMISSIONS = (1n << 53n) - 1n;

/** What a fresh guild's @everyone role usually has. */
export const DEFAULT_EVERYONE_PERMISSIONS =
  Permissions.CreateInstantInvite |
  Permissions.AddReactions |
  Permissions.Stream |
  Permissions.ViewChannel |
  Permissions.SendMessages |
  Permissions.EmbedLinks |
  Permissions.AttachFiles |
  Permissions.ReadMessageHistory |
  Permissions.UseExternalEmojis |
  Permissions.Connect |
  Permissions.Speak |
  Permissions.ChangeNickname |
  Permissions.UseApplicationCommands |
  Permissions.SendMessagesInThreads |
  Permissions.UseExternalStickers |
  Permissions.SendVoiceMessages |
  Permissions.SendPolls |
  Permissions.UseExternalApps;

/** What the bot's managed role gets unless the guild spec says otherwise (a typical invite scope). */
export const DEFAULT_BOT_PERMISSIONS =
  Permissions.ViewChannel |
  Permissions.SendMessages |
  Permissions.SendMessagesInThreads |
  Permissions.EmbedLinks |
  Permissions.AttachFiles |
  Permissions.ReadMessageHistory |
  Permissions.AddReactions |
  Permissions.UseExternalEmojis;

/** Permissions the bot has in a DM channel (Discord reports a fixed set for DMs). */
export const DM_PERMISSIONS =
  Permissions.AddReactions |
  Permissions.ViewChannel |
  Permissions.SendMessages |
  Permissions.SendTTSMessages |
  Permissions.EmbedLinks |
  Permissions.AttachFiles |
  Permissions.ReadMessageHistory |
  Permissions.MentionEveryone |
  Permissions.UseExternalEmojis |
  Permissions.UseApplicationCommands |
  Permissions.UseExternalStickers |
  Permissions.SendVoiceMessages |
  Permissions.SendPolls |
  Permissions.UseExternalApps;

export type PermissionInput = bigint | string | number;

export function toBits(value: PermissionInput | undefined, fallback = 0n): bigint {
  if (value === undefined) return fallback;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  if (!/^\d+$/.test(value)) throw new TypeError(`Permission bitfield must be digits, got "${value}"`);
  return BigInt(value);
}

export interface OverwriteRecord {
  id: string;
  /** 0 = role, 1 = member. */
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export interface PermissionContext {
  guildId: string;
  ownerId: string;
  userId: string;
  everyone: bigint;
  /** Permissions of the member's roles (excluding @everyone), by role id. */
  roles: Map<string, bigint>;
  overwrites: readonly OverwriteRecord[];
}

/** Discord's algorithm: base (roles) → admin/owner shortcut → @everyone, role and member overwrites. */
export function computeChannelPermissions(ctx: PermissionContext): bigint {
  if (ctx.userId === ctx.ownerId) return ALL_PERMISSIONS;
  let base = ctx.everyone;
  for (const bits of ctx.roles.values()) base |= bits;
  if ((base & Permissions.Administrator) !== 0n) return ALL_PERMISSIONS;

  const everyone = ctx.overwrites.find((o) => o.type === 0 && o.id === ctx.guildId);
  if (everyone) base = (base & ~everyone.deny) | everyone.allow;
  let allow = 0n;
  let deny = 0n;
  for (const o of ctx.overwrites) {
    if (o.type === 0 && o.id !== ctx.guildId && ctx.roles.has(o.id)) {
      allow |= o.allow;
      deny |= o.deny;
    }
  }
  base = (base & ~deny) | allow;
  const member = ctx.overwrites.find((o) => o.type === 1 && o.id === ctx.userId);
  if (member) base = (base & ~member.deny) | member.allow;

  // Implicit permissions: no view → nothing; no send → no mentions/tts/files/embeds.
  if ((base & Permissions.ViewChannel) === 0n) return 0n;
  if ((base & Permissions.SendMessages) === 0n) {
    base &= ~(
      Permissions.MentionEveryone |
      Permissions.SendTTSMessages |
      Permissions.AttachFiles |
      Permissions.EmbedLinks
    );
  }
  return base;
}

export function computeGuildPermissions(ctx: Omit<PermissionContext, 'overwrites'>): bigint {
  if (ctx.userId === ctx.ownerId) return ALL_PERMISSIONS;
  let base = ctx.everyone;
  for (const bits of ctx.roles.values()) base |= bits;
  return (base & Permissions.Administrator) !== 0n ? ALL_PERMISSIONS : base;
}
