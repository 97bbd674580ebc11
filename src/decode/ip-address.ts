/** Text form of a 4-byte IPv4 address. */
export function formatIPv4(bytes: Uint8Array, at = 0): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

/**
 * RFC 5952 text form of a 16-byte IPv6 address: lower case, longest run of two or more zero
 * groups compressed to `::`, IPv4-mapped addresses (::ffff:a.b.c.d) with a dotted tail.
 */
export function formatIPv6(bytes: Uint8Array, at = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((bytes[at + i * 2] ?? 0) << 8) | (bytes[at + i * 2 + 1] ?? 0));
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${formatIPv4(bytes, at + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

export const AF_INET = 2;
export const AF_INET6 = 10;

/** The IP version of a kernel address family (AF_INET, AF_INET6), or null for any other. */
export function ipVersion(raw: number): 4 | 6 | null {
  return raw === AF_INET ? 4 : raw === AF_INET6 ? 6 : null;
}

/** Formats an address the kernel stored in a 16-byte slot (IPv4 uses the first four bytes). */
export function formatAddress(family: number, bytes: Uint8Array): string {
  return family === AF_INET ? formatIPv4(bytes) : formatIPv6(bytes);
}
