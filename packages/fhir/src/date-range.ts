/**
 * A FHIR date, dateTime or instant as the half-open interval of instants it denotes:
 * `2026` is all of 2026, `2026-03-01` that whole day. Search compares intervals, never points,
 * as https://hl7.org/fhir/R4/search.html#date requires.
 */
export interface DateRange {
  /** Inclusive lower bound, epoch milliseconds. */
  low: number;
  /** Exclusive upper bound, epoch milliseconds. */
  high: number;
}

const pattern =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * Parses a FHIR date-like value. Values without a zone are read as UTC.
 * Returns undefined when the text is not a date.
 */
export function parseDateRange(text: string): DateRange | undefined {
  const m = pattern.exec(text);
  if (!m) {
    return undefined;
  }
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? undefined : Number(mo) - 1;
  const day = d === undefined ? undefined : Number(d);
  if (month !== undefined && (month < 0 || month > 11)) {
    return undefined;
  }
  if (day !== undefined && (day < 1 || day > 31)) {
    return undefined;
  }

  if (month === undefined) {
    return { low: Date.UTC(year, 0, 1), high: Date.UTC(year + 1, 0, 1) };
  }
  if (day === undefined) {
    return { low: Date.UTC(year, month, 1), high: Date.UTC(year, month + 1, 1) };
  }
  if (h === undefined || mi === undefined) {
    return { low: Date.UTC(year, month, day), high: Date.UTC(year, month, day + 1) };
  }

  const offset = zoneOffsetMs(zone);
  if (offset === undefined) {
    return undefined;
  }
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  const base = Date.UTC(year, month, day, Number(h), Number(mi), Number(s ?? 0), ms) - offset;
  if (Number.isNaN(base)) {
    return undefined;
  }
  // The width follows the precision written: a minute, a second, or a millisecond.
  const width = s === undefined ? 60_000 : frac === undefined ? 1000 : 1;
  return { low: base, high: base + width };
}

function zoneOffsetMs(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z') {
    return 0;
  }
  const sign = zone.startsWith('-') ? -1 : 1;
  const [hh, mm] = zone.slice(1).split(':').map(Number);
  if (hh === undefined || mm === undefined || hh > 14 || mm > 59) {
    return undefined;
  }
  return sign * (hh * 60 + mm) * 60_000;
}
