import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { isBlockedAddress } from "./blocked-addresses.ts";

/**
 * The one SSRF policy of every outbound connection the hub makes (webhooks, OAuth2 token URLs, AMQP
 * brokers, the Core API proxy, syncs and automations): private, loopback, link-local and reserved
 * addresses are refused unless `SSRF_ALLOW` lists them, checked when connecting.
 */

/** A connection the policy refused; `code` is what callers (and node-fetch's FetchError) carry on. */
export class SsrfBlockedError extends Error {
  readonly code = "ERR_SSRF_BLOCKED";
}

/** Whether `error` is the guarded lookup's refusal. */
export function isSsrfBlocked(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === "ERR_SSRF_BLOCKED";
}

export type SsrfPolicy = { isAllowed(host: string, address: string): boolean };

/**
 * Names that mean "this machine" or "the cloud's metadata server" whatever they resolve to, refused
 * even when they resolve to a public address: only an SSRF_ALLOW entry (the name, or a CIDR holding
 * the address) opens them.
 */
const INTERNAL_NAMES = ["localhost", "metadata", "metadata.google.internal", "metadata.goog"];

function isInternalName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return INTERNAL_NAMES.includes(name) || name.endsWith(".localhost");
}

/** Builds the policy from SSRF_ALLOW entries: CIDRs (`127.0.0.0/8`, `::1`) or exact host names. */
export function createSsrfPolicy(allow: string[]): SsrfPolicy {
  const allowed = new BlockList();
  const hosts = new Set<string>();
  for (const entry of allow.map((e) => e.trim()).filter(Boolean)) {
    const [network = "", prefixText] = entry.split("/");
    const family = isIP(network);
    if (family === 0) hosts.add(entry.toLowerCase().replace(/\.$/, ""));
    else
      allowed.addSubnet(
        network,
        prefixText ? Number(prefixText) : family === 4 ? 32 : 128,
        family === 4 ? "ipv4" : "ipv6",
      );
  }
  return {
    isAllowed(host, address) {
      if (hosts.has(host.toLowerCase().replace(/\.$/, ""))) return true;
      const family = isIP(address) === 6 ? "ipv6" : "ipv4";
      if (isIP(address) !== 0 && allowed.check(address, family)) return true;
      return !isInternalName(host) && !isBlockedAddress(address);
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

type Resolve = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for http.Agent and net.connect: resolves, then refuses when any resolved address is
 * blocked. Checking at connect time (not only when the URL is saved) defeats DNS names that later
 * point inside. `resolve` is the system resolver; tests give their own.
 */
export function guardedLookup(policy: SsrfPolicy, resolve: Resolve = dnsLookup as Resolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
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
