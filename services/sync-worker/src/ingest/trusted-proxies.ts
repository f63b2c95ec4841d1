import { BlockList, isIP } from "node:net";

/** fastify's `trustProxy` as a function: is the address `hop` steps from the TCP peer a proxy of ours? */
export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * Which address the failure limit counts, behind proxies. The TCP peer (hop 0) must be one of
 * `proxies` (addresses or CIDRs); only then are the next `hops - 1` X-Forwarded-For entries, those
 * the proxy chain appends itself, believed too, and the client is the address after them. GKE's
 * external Application Load Balancer connects from 35.191.0.0/16 or 130.211.0.0/22 and appends the
 * client's and then its own address: hops 2. fastify's numeric hop count is refused on purpose (it
 * cannot tell a proxy from a client that sends its own X-Forwarded-For); this checks the peer first.
 * No proxies: false, the TCP peer is the client.
 */
export function trustedProxies(proxies: readonly string[], hops: number): TrustProxy | false {
  if (proxies.length === 0) return false;
  const list = new BlockList();
  for (const entry of proxies) {
    const [address = "", prefix] = entry.split("/");
    const type = ipType(address);
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return (address, hop) => (hop === 0 ? list.check(address, ipType(address)) : hop < hops);
}

function ipType(address: string): "ipv4" | "ipv6" {
  return isIP(address) === 6 ? "ipv6" : "ipv4";
}
