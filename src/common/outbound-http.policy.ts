import ipaddr from 'ipaddr.js';

/**
 * Where an outbound request may go, and how much of the answer Tessera will read. Every field
 * has a safe default (`OUTBOUND_DEFAULTS`): HTTPS only, public unicast destinations only, a
 * short timeout, a small response cap, no redirects.
 */
export interface OutboundPolicy {
  /**
   * Permit plain `http:` URLs, and then only to a loopback destination (a development issuer on
   * the same machine). Plain HTTP to anything else is refused even with this flag.
   */
  allowHttp?: boolean;
  /** Permit private (RFC 1918, RFC 4193), carrier-grade NAT (RFC 6598) and loopback destinations. */
  allowPrivateNetworks?: boolean;
  /** Further destinations permitted, as CIDRs (`10.20.0.0/16`, `fd00:1::/64`, `169.254.10.1/32`). */
  allowedCidrs?: readonly string[];
  /** Deadline for the whole exchange, redirects and body included. */
  timeoutMs?: number;
  /** Bytes of response body read at most; the connection is cut as soon as more arrive. */
  maxResponseBytes?: number;
  /** `none`: a 3xx is returned as it is. `same-origin`: followed only to the same scheme, host and port. */
  redirect?: 'none' | 'same-origin';
  maxRedirects?: number;
}

/** The defaults, in one place. */
export const OUTBOUND_DEFAULTS: Required<OutboundPolicy> = {
  allowHttp: false,
  allowPrivateNetworks: false,
  allowedCidrs: [],
  timeoutMs: 5000,
  maxResponseBytes: 1024 * 1024,
  redirect: 'none',
  maxRedirects: 3,
};

/**
 * Ranges no request may reach whatever the allow-list says: there is no legitimate server at an
 * unspecified, broadcast or multicast address, and `0.0.0.0` reaches the local host on Linux.
 */
const NEVER = new Set(['unspecified', 'broadcast', 'multicast']);
/** What `allowPrivateNetworks` opens up. Link-local stays closed: 169.254.169.254 is the cloud metadata endpoint. */
const PRIVATE = new Set(['private', 'uniqueLocal', 'carrierGradeNat', 'loopback']);

export type AddressVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Decides whether one resolved address may be connected to. `scheme` is the URL's protocol:
 * plain HTTP is permitted only to loopback (and only when `allowHttp` is set).
 */
export function checkAddress(address: string, scheme: 'http:' | 'https:', policy: OutboundPolicy): AddressVerdict {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // `process` unwraps IPv4-mapped IPv6 (::ffff:10.0.0.1), so a private v4 cannot hide in v6 form.
    parsed = ipaddr.process(address);
  } catch {
    return { ok: false, reason: `"${address}" is not an IP address` };
  }
  const range = parsed.range();
  if (NEVER.has(range)) return { ok: false, reason: `${address} is a ${range} address` };
  if (scheme === 'http:') {
    if (!policy.allowHttp) return { ok: false, reason: 'plain http is not allowed; use https' };
    if (range !== 'loopback') return { ok: false, reason: `plain http is only allowed to a loopback address, not ${address}` };
    return { ok: true };
  }
  if (range === 'unicast') return { ok: true };
  if (policy.allowPrivateNetworks && PRIVATE.has(range)) return { ok: true };
  if (matchesAny(parsed, policy.allowedCidrs ?? [])) return { ok: true };
  return {
    ok: false,
    reason: `${address} is a ${describeRange(range)} address; permit it with allowPrivateNetworks or allowedCidrs`,
  };
}

function matchesAny(address: ipaddr.IPv4 | ipaddr.IPv6, cidrs: readonly string[]): boolean {
  for (const cidr of cidrs) {
    const [network, bits] = ipaddr.parseCIDR(cidr);
    const candidate =
      network.kind() === 'ipv6' && address.kind() === 'ipv4' ? (address as ipaddr.IPv4).toIPv4MappedAddress() : address;
    if (candidate.kind() === network.kind() && candidate.match(network, bits)) return true;
  }
  return false;
}

function describeRange(range: string): string {
  switch (range) {
    case 'linkLocal':
      return 'link-local';
    case 'uniqueLocal':
      return 'unique-local (private)';
    case 'carrierGradeNat':
      return 'carrier-grade NAT';
    default:
      return range;
  }
}

/** `true` when `cidr` is an IPv4 or IPv6 CIDR that `checkAddress` can match. */
export function isValidCidr(cidr: string): boolean {
  return ipaddr.isValidCIDR(cidr);
}
