import { describe, expect, it } from 'vitest';

import { formatLocal, nextDueAt, parseHHMM } from '../src/time/localTime.ts';
import { allTimeZones, canonicalTimeZone, isValidTimeZone, searchTimeZones } from '../src/time/zones.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const utc = (text: string) => Date.parse(text);

describe('parseHHMM', () => {
  it('GIVEN 24-hour times THEN they parse, with or without a leading zero', () => {
    expect(parseHHMM('09:05')).toEqual({ hour: 9, minute: 5 });
    expect(parseHHMM('9:05')).toEqual({ hour: 9, minute: 5 });
    expect(parseHHMM(' 23:59 ')).toEqual({ hour: 23, minute: 59 });
    expect(parseHHMM('00:00')).toEqual({ hour: 0, minute: 0 });
  });

  it('GIVEN anything else THEN null', () => {
    for (const text of ['24:00', '12:60', '9', '9:5', '09:00:00', 'noon', '', '-1:00', '١٢:٠٠']) {
      expect(parseHHMM(text), text).toBeNull();
    }
  });
});

describe('time zones', () => {
  it('GIVEN IANA names, aliases and UTC THEN they are valid and canonicalised', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('US/Eastern')).toBe('America/New_York');
  });

  it('GIVEN unknown or malformed zones THEN they are invalid', () => {
    for (const zone of ['Mars/Olympus', '', ' Europe/Berlin', 'Berlin', 'GMT+25']) {
      expect(isValidTimeZone(zone), zone).toBe(false);
    }
  });

  it('GIVEN the zone list THEN it has UTC and every supported zone, without duplicates', () => {
    const zones = allTimeZones();
    expect(zones).toContain('UTC');
    expect(zones).toContain('America/New_York');
    expect(new Set(zones).size).toBe(zones.length);
    expect(zones.length).toBeGreaterThan(300);
  });

  it('GIVEN a query THEN exact matches come first, then prefixes, then city prefixes, then contains', () => {
    expect(searchTimeZones('utc')[0]).toBe('UTC');
    expect(searchTimeZones('new york')).toEqual(['America/New_York']);
    expect(searchTimeZones('berl')).toEqual(['Europe/Berlin']);
    const europe = searchTimeZones('europe/');
    expect(europe).toHaveLength(25);
    expect(europe.every((zone) => zone.startsWith('Europe/'))).toBe(true);
    const ams = searchTimeZones('ams');
    expect(ams[0]).toBe('Europe/Amsterdam');
    expect(searchTimeZones('zzzz')).toEqual([]);
  });

  it('GIVEN an empty query THEN common zones are suggested', () => {
    const pinned = searchTimeZones('');
    expect(pinned[0]).toBe('UTC');
    expect(pinned).toContain('Europe/Berlin');
    expect(pinned.length).toBeLessThanOrEqual(25);
  });
});

describe('nextDueAt', () => {
  it('GIVEN an ordinary day THEN it is today if still ahead, otherwise tomorrow', () => {
    expect(iso(nextDueAt(utc('2025-06-02T06:00:00Z'), '09:00', 'Europe/Berlin'))).toBe(
      '2025-06-02T07:00:00.000Z',
    );
    expect(iso(nextDueAt(utc('2025-06-02T08:00:00Z'), '09:00', 'Europe/Berlin'))).toBe(
      '2025-06-03T07:00:00.000Z',
    );
    expect(iso(nextDueAt(utc('2025-01-15T12:00:00Z'), '09:00', 'America/New_York'))).toBe(
      '2025-01-15T14:00:00.000Z',
    );
  });

  it('GIVEN the due instant itself THEN the next one is strictly later (tomorrow)', () => {
    const due = utc('2025-06-02T07:00:00Z');
    expect(iso(nextDueAt(due, '09:00', 'Europe/Berlin'))).toBe('2025-06-03T07:00:00.000Z');
    expect(iso(nextDueAt(due - 1, '09:00', 'Europe/Berlin'))).toBe('2025-06-02T07:00:00.000Z');
  });

  it('GIVEN a time in the spring-forward gap THEN it runs at the first valid minute after the gap', () => {
    // Europe/Berlin, 30 March 2025: 02:00 CET jumps to 03:00 CEST.
    const berlin = nextDueAt(utc('2025-03-29T12:00:00Z'), '02:30', 'Europe/Berlin');
    expect(iso(berlin)).toBe('2025-03-30T01:00:00.000Z');
    expect(formatLocal(berlin, 'Europe/Berlin')).toMatch(/30 Mar 2025, 03:00 CEST/);
    // And the day after it is back to 02:30 local.
    expect(iso(nextDueAt(berlin, '02:30', 'Europe/Berlin'))).toBe('2025-03-31T00:30:00.000Z');
    // America/New_York, 9 March 2025: 02:00 EST jumps to 03:00 EDT.
    expect(iso(nextDueAt(utc('2025-03-08T12:00:00Z'), '02:30', 'America/New_York'))).toBe(
      '2025-03-09T07:00:00.000Z',
    );
    expect(iso(nextDueAt(utc('2025-03-08T12:00:00Z'), '02:00', 'America/New_York'))).toBe(
      '2025-03-09T07:00:00.000Z',
    );
  });

  it('GIVEN times around the gap on a spring-forward day THEN they keep their wall-clock time', () => {
    expect(iso(nextDueAt(utc('2025-03-29T12:00:00Z'), '01:59', 'Europe/Berlin'))).toBe(
      '2025-03-30T00:59:00.000Z',
    );
    expect(iso(nextDueAt(utc('2025-03-29T12:00:00Z'), '03:00', 'Europe/Berlin'))).toBe(
      '2025-03-30T01:00:00.000Z',
    );
    expect(iso(nextDueAt(utc('2025-03-29T12:00:00Z'), '09:00', 'Europe/Berlin'))).toBe(
      '2025-03-30T07:00:00.000Z',
    );
  });

  it('GIVEN a time that occurs twice on a fall-back day THEN it runs once, at the first occurrence', () => {
    // Europe/Berlin, 26 October 2025: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
    const first = nextDueAt(utc('2025-10-25T12:00:00Z'), '02:30', 'Europe/Berlin');
    expect(iso(first)).toBe('2025-10-26T00:30:00.000Z');
    // After the first occurrence, the second (01:30Z) is not a new run: the next is the following day.
    expect(iso(nextDueAt(first, '02:30', 'Europe/Berlin'))).toBe('2025-10-27T01:30:00.000Z');
    expect(iso(nextDueAt(utc('2025-10-26T01:00:00Z'), '02:30', 'Europe/Berlin'))).toBe(
      '2025-10-27T01:30:00.000Z',
    );
    // America/New_York, 2 November 2025: 01:30 happens at 05:30Z (EDT) and 06:30Z (EST).
    const ny = nextDueAt(utc('2025-11-01T12:00:00Z'), '01:30', 'America/New_York');
    expect(iso(ny)).toBe('2025-11-02T05:30:00.000Z');
    expect(iso(nextDueAt(ny, '01:30', 'America/New_York'))).toBe('2025-11-03T06:30:00.000Z');
  });

  it('GIVEN a whole year of daily runs THEN there is exactly one run per local day, each at 02:30 or the gap end', () => {
    for (const zone of ['Europe/Berlin', 'America/New_York']) {
      let cursor = utc('2025-01-01T00:00:00Z');
      const localDays = new Set<string>();
      const localTimes = new Map<string, number>();
      for (let day = 0; day < 365; day++) {
        const next = nextDueAt(cursor, '02:30', zone);
        expect(next).toBeGreaterThan(cursor);
        const local = new Intl.DateTimeFormat('en-CA', {
          timeZone: zone,
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
        }).format(next);
        const [date, time] = local.split(', ') as [string, string];
        localDays.add(date);
        localTimes.set(time, (localTimes.get(time) ?? 0) + 1);
        cursor = next;
      }
      expect(localDays.size, zone).toBe(365);
      expect(Object.fromEntries(localTimes), zone).toEqual({ '02:30': 364, '03:00': 1 });
    }
  });

  it('GIVEN a zone that skipped a whole day THEN that day runs at the end of the gap', () => {
    // Pacific/Apia skipped 30 December 2011 entirely (23:59:59 on the 29th, then 00:00 on the 31st).
    const before = nextDueAt(utc('2011-12-29T12:00:00Z'), '09:00', 'Pacific/Apia');
    expect(iso(before)).toBe('2011-12-29T19:00:00.000Z');
    const skippedDay = nextDueAt(before, '09:00', 'Pacific/Apia');
    expect(formatLocal(skippedDay, 'Pacific/Apia')).toMatch(/31 Dec 2011, 00:00/);
    const nextDay = nextDueAt(skippedDay, '09:00', 'Pacific/Apia');
    expect(formatLocal(nextDay, 'Pacific/Apia')).toMatch(/31 Dec 2011, 09:00/);
  });

  it('GIVEN UTC THEN it is plain 24-hour arithmetic', () => {
    expect(iso(nextDueAt(utc('2025-03-30T00:00:00Z'), '02:30', 'UTC'))).toBe('2025-03-30T02:30:00.000Z');
  });

  it('GIVEN an invalid zone or time THEN it throws a RangeError saying which', () => {
    expect(() => nextDueAt(0, '09:00', 'Mars/Olympus')).toThrow(/Unknown time zone "Mars\/Olympus"/);
    expect(() => nextDueAt(0, '9am', 'UTC')).toThrow(RangeError);
    expect(() => nextDueAt(Number.NaN, '09:00', 'UTC')).toThrow(RangeError);
  });
});
