/**
 * Wall-clock time math for daily schedules, DST-correct, on `Intl.DateTimeFormat` alone.
 *
 * Every function here is pure (apart from caching formatters) and takes instants as ms since the epoch.
 */
import { cachedFormatter, wallClockFormatter } from './formatters.ts';
import { isValidTimeZone } from './zones.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export interface LocalTime {
  hour: number;
  minute: number;
}

const HH_MM = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** Parses a 24-hour `HH:MM` (or `H:MM`) time; null when it is not one. */
export function parseHHMM(text: string): LocalTime | null {
  const match = HH_MM.exec(text.trim());
  if (!match) return null;
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/** The canonical `HH:MM` form that the store keeps. */
export function formatHHMM({ hour, minute }: LocalTime): string {
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClockAt(ms: number, timeZone: string): WallClock {
  const wall: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of wallClockFormatter(timeZone).formatToParts(ms)) {
    if (part.type in wall) wall[part.type as keyof WallClock] = Number(part.value);
  }
  return wall;
}

/** Local minus UTC, in ms, at the instant `ms` (whole seconds: zone data has no finer offsets). */
function offsetAt(ms: number, timeZone: string): number {
  const wall = wallClockAt(ms, timeZone);
  const wallAsUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return wallAsUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The earliest instant at which the wall clock in `timeZone` reads `wallAsUtc` (a local date-time encoded
 * as if it were UTC). A time that occurs twice (fall back) resolves to its first occurrence; a time that
 * does not exist (spring forward) resolves to the end of the gap, the first valid instant after it.
 */
function resolveWallClock(wallAsUtc: number, timeZone: string): number {
  // Real zones change offset at most once in any two days, so the offsets a day either side bracket it.
  const offsetBefore = offsetAt(wallAsUtc - DAY_MS, timeZone);
  const offsetAfter = offsetAt(wallAsUtc + DAY_MS, timeZone);
  const occurrences = [wallAsUtc - offsetBefore, wallAsUtc - offsetAfter]
    .filter((instant) => offsetAt(instant, timeZone) === wallAsUtc - instant)
    .sort((a, b) => a - b);
  if (occurrences[0] !== undefined) return occurrences[0];

  // In a gap: the clock jumps forward, so offsetAfter > offsetBefore and the transition lies between.
  let lastBefore = wallAsUtc - offsetAfter;
  let firstAfter = wallAsUtc - offsetBefore;
  if (firstAfter <= lastBefore) return wallAsUtc - offsetBefore;
  while (firstAfter - lastBefore > 1000) {
    const middle = lastBefore + Math.floor((firstAfter - lastBefore) / 2000) * 1000;
    if (offsetAt(middle, timeZone) === offsetBefore) lastBefore = middle;
    else firstAfter = middle;
  }
  return firstAfter;
}

/**
 * The next instant strictly after `afterMs` at which the wall clock in `timeZone` reads `hhmm`.
 *
 * On a spring-forward day a time inside the gap runs at the first valid minute after it (02:30 in
 * Europe/Berlin on the last Sunday of March → 03:00 local). On a fall-back day a time that occurs twice
 * runs once, at its first occurrence. Throws RangeError for a bad time or an unknown zone.
 */
export function nextDueAt(afterMs: number, hhmm: string, timeZone: string): number {
  const time = parseHHMM(hhmm);
  if (!time) throw new RangeError(`Invalid time "${hhmm}": use HH:MM (24-hour), e.g. 08:30`);
  if (!isValidTimeZone(timeZone)) throw new RangeError(`Unknown time zone "${timeZone}"`);
  if (!Number.isFinite(afterMs)) throw new RangeError(`Invalid instant ${afterMs}`);

  const today = wallClockAt(afterMs, timeZone);
  // Starting a day early covers a gap that crosses midnight and ends on today's date.
  for (let dayOffset = -1; dayOffset <= 3; dayOffset++) {
    const wall = Date.UTC(today.year, today.month - 1, today.day + dayOffset, time.hour, time.minute);
    const due = resolveWallClock(wall, timeZone);
    if (due > afterMs) return due;
  }
  throw new Error(`No ${hhmm} in ${timeZone} within three days of ${new Date(afterMs).toISOString()}`);
}

/** `Sun, 30 Mar 2025, 03:00 CEST`: an instant as a server or user reads it. */
export function formatLocal(ms: number, timeZone: string): string {
  return cachedFormatter('en-GB', timeZone, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).format(ms);
}

/** `Mon 2 Jun`: the local day, for digest titles. */
export function formatLocalDay(ms: number, timeZone: string): string {
  return cachedFormatter('en-GB', timeZone, { weekday: 'short', day: 'numeric', month: 'short' }).format(ms);
}
