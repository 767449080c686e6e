/** Cached `Intl.DateTimeFormat` instances, shared by the zone checks, the schedule maths and the titles. */

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * One DateTimeFormat per locale, zone and options, kept: creating one costs far more than formatting
 * with it, and the scheduler and the digest titles ask for every target.
 */
export function cachedFormatter(
  locale: string,
  timeZone: string,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${JSON.stringify(options)}`;
  let formatter = formatters.get(key);
  if (!formatter)
    formatters.set(key, (formatter = new Intl.DateTimeFormat(locale, { ...options, timeZone })));
  return formatter;
}

const WALL_CLOCK: Intl.DateTimeFormatOptions = {
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
};

/** Numeric year … second in the zone; throws RangeError for a zone `Intl` does not know. */
export function wallClockFormatter(timeZone: string): Intl.DateTimeFormat {
  return cachedFormatter('en-US', timeZone, WALL_CLOCK);
}
