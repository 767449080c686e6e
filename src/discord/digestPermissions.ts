/**
 * What the bot needs in a digest's channel for each way of posting, checked when the digest is set up
 * (a warning: permissions change, the run reports what Discord refused). In a forum, Send Messages is the
 * permission Discord shows as Create Posts.
 */
import { PermissionFlagsBits, type PermissionsBitField } from 'discord.js';

import type { DeliveryMode } from '../store/types.ts';

type Needed = readonly (readonly [string, bigint])[];

const BASE: Needed = [
  ['View Channel', PermissionFlagsBits.ViewChannel],
  ['Embed Links', PermissionFlagsBits.EmbedLinks],
  ['Read Message History', PermissionFlagsBits.ReadMessageHistory],
];

export const DELIVERY_PERMISSIONS: Record<DeliveryMode, Needed> = {
  message: [...BASE, ['Send Messages', PermissionFlagsBits.SendMessages]],
  thread: [
    ...BASE,
    ['Send Messages', PermissionFlagsBits.SendMessages],
    ['Create Public Threads', PermissionFlagsBits.CreatePublicThreads],
    ['Send Messages in Threads', PermissionFlagsBits.SendMessagesInThreads],
  ],
  forum: [
    ...BASE,
    ['Create Posts', PermissionFlagsBits.SendMessages],
    ['Send Messages in Threads', PermissionFlagsBits.SendMessagesInThreads],
  ],
};

/** The names of the permissions missing for that mode, in the order Discord's settings show them. */
export function missingForDelivery(permissions: Readonly<PermissionsBitField>, mode: DeliveryMode): string[] {
  return DELIVERY_PERMISSIONS[mode].filter(([, flag]) => !permissions.has(flag)).map(([name]) => name);
}

export const DELIVERY_WORDS: Record<DeliveryMode, string> = {
  message: 'as a message',
  thread: 'as a thread started from a short message',
  forum: 'as a forum post',
};
