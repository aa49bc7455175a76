import { FhirError } from '@swiftacare/fhir';

/** Where a keyset page ended: the last row's sort value and id, and what it was sorted by. */
export interface KeysetPosition {
  /** Sort signature, so a cursor cannot be replayed against a different sort. */
  s: string;
  /** Sort value of the last row, as text (null when the sort column was empty). */
  v: string | null;
  /** Id of the last row. */
  i: string;
  /** Version of the last row (history pages only). */
  n?: number;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// PostgreSQL's text form of a timestamptz (`2026-03-01 10:00:00.123+00`), or an infinity.
const timestamp =
  /^(-?infinity|\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:\d{2})?|Z)?)$/;

function isTimestamp(text: string): boolean {
  return timestamp.test(text);
}

/** Encodes a keyset position as an opaque URL-safe token. */
export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor} for the same sort; anything else is a 400. */
export function decodeCursor(token: string, signature: string): KeysetPosition {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as KeysetPosition;
    // Every field goes into SQL casts; anything a cast could reject is refused here instead.
    const value = parsed.v;
    const sane =
      parsed.s === signature &&
      typeof parsed.i === 'string' &&
      uuid.test(parsed.i) &&
      (value === null || (typeof value === 'string' && (uuid.test(value) || isTimestamp(value)))) &&
      (parsed.n === undefined || Number.isInteger(parsed.n));
    if (sane) {
      return parsed;
    }
  } catch {
    // fall through to the client error below
  }
  throw new FhirError(
    'invalid',
    '_cursor is not valid for this search; follow the Bundle.link "next" URL as given',
  );
}
