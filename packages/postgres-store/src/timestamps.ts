// PostgreSQL's timestamptz reaches from 4713 BC to 294276 AD; open period ends are indexed as
// ±8.64e15 ms, the limits of a JavaScript Date, which lie outside it.
const earliest = Date.UTC(-4000, 0, 1);
const latest = Date.UTC(200000, 0, 1);

/** Epoch milliseconds as a timestamptz parameter, with the far past and future as infinities. */
export function toTimestamp(ms: number): string {
  if (ms <= earliest) {
    return '-infinity';
  }
  if (ms >= latest) {
    return 'infinity';
  }
  return new Date(ms).toISOString();
}
