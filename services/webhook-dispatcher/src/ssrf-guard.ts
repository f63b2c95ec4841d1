import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isBlockedAddress } from "@event-hub/shared";
import { BlockList, isIP, type LookupFunction } from "node:net";

class SsrfBlockedError extends Error {
  readonly code = "ERR_SSRF_BLOCKED";
}

/** Whether `error` is the guarded lookup's refusal. */
export function isSsrfBlocked(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === "ERR_SSRF_BLOCKED";
}

export type SsrfPolicy = { isAllowed(host: string, address: string): boolean };

/** Builds the policy from SSRF_ALLOW entries: CIDRs (`127.0.0.0/8`, `::1`) or exact host names. */
export function createSsrfPolicy(allow: string[]): SsrfPolicy {
  const allowed = new BlockList();
  const hosts = new Set<string>();
  for (const entry of allow.map((e) => e.trim()).filter(Boolean)) {
    const [network = "", prefixText] = entry.split("/");
    const family = isIP(network);
    if (family === 0) hosts.add(entry.toLowerCase());
    else
      allowed.addSubnet(
        network,
        prefixText ? Number(prefixText) : family === 4 ? 32 : 128,
        family === 4 ? "ipv4" : "ipv6",
      );
  }
  return {
    isAllowed(host, address) {
      if (hosts.has(host.toLowerCase())) return true;
      const family = isIP(address) === 6 ? "ipv6" : "ipv4";
      return allowed.check(address, family) || !isBlockedAddress(address);
    },
  };
}

/**
 * Why a URL whose host is an IP literal may not be connected to, or undefined. Node connects to IP
 * literals without calling `lookup`, so these are checked before connecting.
 */
export function literalAddressRefusal(policy: SsrfPolicy, url: string): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return undefined; // not a URL: connecting fails with the client's own error
  }
  if (isIP(host) === 0 || policy.isAllowed(host, host)) return undefined;
  return `${host} is not allowed`;
}

/**
 * A `lookup` for http.Agent and net.connect: resolves, then refuses when any resolved address is blocked. Checking at
 * connect time (not only when the URL is saved) defeats DNS names that later point inside.
 */
export function guardedLookup(policy: SsrfPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const refused = addresses.find((a) => !policy.isAllowed(hostname, a.address));
      if (refused) {
        return callback(
          new SsrfBlockedError(`${hostname} resolves to ${refused.address}, which is not allowed`),
          "",
          0,
        );
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} has no address`), "", 0);
      callback(null, first.address, first.family);
    });
  };
}
