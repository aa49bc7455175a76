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

/** Encodes a keyset position as an opaque URL-safe token. */
export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor} for the same sort; anything else is a 400. */
export function decodeCursor(token: string, signature: string): KeysetPosition {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as KeysetPosition;
    if (parsed.s === signature && typeof parsed.i === 'string') {
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
