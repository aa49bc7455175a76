import { isIPv4, isIPv6 } from 'node:net';

/**
 * What an IP address reaches. Only `public` is fit for a server-side request to a URL a client
 * supplied; the rest reach our own network, cloud metadata (169.254.169.254) or nothing sane.
 */
export type AddressKind =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'multicast'
  | 'unspecified'
  | 'reserved'
  | 'invalid';

type Range4 = readonly [base: number, prefix: number, kind: AddressKind];

const ip4 = (a: number, b: number, c: number, d: number) =>
  ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

// IANA IPv4 special-purpose registry, plus multicast and the reserved class E.
const ranges4: readonly Range4[] = [
  [ip4(0, 0, 0, 0), 8, 'unspecified'],
  [ip4(10, 0, 0, 0), 8, 'private'],
  [ip4(100, 64, 0, 0), 10, 'cgnat'],
  [ip4(127, 0, 0, 0), 8, 'loopback'],
  [ip4(169, 254, 0, 0), 16, 'link-local'],
  [ip4(172, 16, 0, 0), 12, 'private'],
  [ip4(192, 0, 0, 0), 24, 'reserved'],
  [ip4(192, 0, 2, 0), 24, 'reserved'],
  [ip4(192, 88, 99, 0), 24, 'reserved'],
  [ip4(192, 168, 0, 0), 16, 'private'],
  [ip4(198, 18, 0, 0), 15, 'reserved'],
  [ip4(198, 51, 100, 0), 24, 'reserved'],
  [ip4(203, 0, 113, 0), 24, 'reserved'],
  [ip4(224, 0, 0, 0), 4, 'multicast'],
  [ip4(240, 0, 0, 0), 4, 'reserved'],
];

function classify4(value: number): AddressKind {
  for (const [base, prefix, kind] of ranges4) {
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    if ((value & mask) >>> 0 === base) return kind;
  }
  return 'public';
}

function parse4(text: string): number | undefined {
  if (!isIPv4(text)) return undefined;
  const [a = 0, b = 0, c = 0, d = 0] = text.split('.').map(Number);
  return ip4(a, b, c, d);
}

// Eight 16-bit groups; handles "::" and a trailing dotted quad (::ffff:1.2.3.4).
function parse6(text: string): number[] | undefined {
  if (!isIPv6(text)) return undefined;
  let hex = text;
  const lastColon = hex.lastIndexOf(':');
  const last = hex.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parse4(last);
    if (v4 === undefined) return undefined;
    hex = `${hex.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = hex.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string) =>
    part === '' ? [] : part.split(':').map((h) => parseInt(h, 16));
  const head = groupsOf(halves[0] ?? '');
  const rest = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  const missing = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (missing < 0) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...rest];
  const valid = groups.length === 8 && groups.every((g) => Number.isInteger(g) && g <= 0xffff);
  return valid ? groups : undefined;
}

function classify6(g: readonly number[]): AddressKind {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (upperZero && g5 === 0xffff) {
    // IPv4-mapped (::ffff:a.b.c.d): the socket really talks IPv4 to that address.
    return classify4(((g6 << 16) | g7) >>> 0);
  }
  if (upperZero && g5 === 0 && g6 === 0 && g7 === 0) return 'unspecified';
  if (upperZero && g5 === 0 && g6 === 0 && g7 === 1) return 'loopback';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local fec0::/10
  // Only global unicast 2000::/3 is public. Inside it, documentation (2001:db8::/32), Teredo
  // (2001::/32) and 6to4 (2002::/16) are refused: the last two tunnel to an embedded IPv4
  // address we would otherwise have to check too. Everything else (IPv4-compatible ::a.b.c.d,
  // NAT64 64:ff9b::/96, unassigned space) is reserved.
  if ((g0 & 0xe000) !== 0x2000) return 'reserved';
  if (g0 === 0x2001 && (g1 === 0x0db8 || g1 === 0)) return 'reserved';
  if (g0 === 0x2002) return 'reserved';
  return 'public';
}

/**
 * Classifies an IPv4 or IPv6 address (zone ids such as `%eth0` and URL brackets are allowed).
 * Built as an allow-list for IPv6, so unknown space counts as `reserved`, never `public`.
 */
export function classifyAddress(address: string): AddressKind {
  let text = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const v4 = parse4(text);
  if (v4 !== undefined) return classify4(v4);
  const v6 = parse6(text);
  if (v6 !== undefined) return classify6(v6);
  return 'invalid';
}
