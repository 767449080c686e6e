/** Time zone names: validation, canonical spelling and ranked search for autocomplete. */
import { wallClockFormatter } from './formatters.ts';

/** True when `Intl` knows the zone (IANA names, their aliases, `UTC`). */
export function isValidTimeZone(timeZone: string): boolean {
  return canonicalTimeZone(timeZone) !== null;
}

/** The zone's canonical spelling (`europe/berlin` → `Europe/Berlin`), or null when it is unknown. */
export function canonicalTimeZone(timeZone: string): string | null {
  if (typeof timeZone !== 'string' || timeZone.length === 0 || timeZone.trim() !== timeZone) return null;
  try {
    return wallClockFormatter(timeZone).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

const PINNED_TIME_ZONES = [
  'UTC',
  'Europe/London',
  'Europe/Berlin',
  'Europe/Paris',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Asia/Kolkata',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Australia/Sydney',
];

interface IndexedZone {
  name: string;
  lower: string;
  /** The part after the last slash (`new_york`), the part people type. */
  city: string;
}

let zoneIndex: IndexedZone[] | undefined;

function indexedZones(): IndexedZone[] {
  if (!zoneIndex) {
    const names = new Set(['UTC', ...Intl.supportedValuesOf('timeZone')]);
    zoneIndex = [...names].map((name) => {
      const lower = name.toLowerCase();
      return { name, lower, city: lower.slice(lower.lastIndexOf('/') + 1) };
    });
  }
  return zoneIndex;
}

/** Every IANA zone `Intl` supports, plus `UTC`. */
export function allTimeZones(): readonly string[] {
  return indexedZones().map((zone) => zone.name);
}

/**
 * Zones for autocomplete, best first: exact name, then name prefix, then city prefix, then contains.
 * Spaces match underscores ("new york"). An empty query returns common zones.
 */
export function searchTimeZones(query: string, limit = 25): string[] {
  const needle = query.trim().toLowerCase().replace(/\s+/g, '_');
  if (needle.length === 0) return PINNED_TIME_ZONES.filter(isValidTimeZone).slice(0, limit);
  const buckets: string[][] = [[], [], [], []];
  for (const zone of indexedZones()) {
    if (zone.lower === needle) buckets[0]!.push(zone.name);
    else if (zone.lower.startsWith(needle)) buckets[1]!.push(zone.name);
    else if (zone.city.startsWith(needle)) buckets[2]!.push(zone.name);
    else if (zone.lower.includes(needle)) buckets[3]!.push(zone.name);
  }
  return buckets.flat().slice(0, limit);
}
