import { isBlockedAddress } from "@event-hub/shared";
import { isIP } from "node:net";

/**
 * What a destination URL must be, checked when it is created: an absolute http(s) URL (the
 * Connector's rule), once `{{trigger}}` is filled in. Where it may point is decided at connect
 * time by the dispatcher (names can resolve differently later), so here we state that rule and
 * warn when the URL names a private address outright.
 */
export const SSRF_RULE =
  "webhook-dispatcher resolves the host (of a webhook or an AMQP broker) when it connects and refuses private, loopback, link-local, " +
  "CGNAT, multicast and reserved addresses (IPv4-mapped too) unless its SSRF_ALLOW list covers them; " +
  "redirects are not followed.";

/** Fills `{{trigger}}` (first occurrence, as the Connector does) with a sample trigger. */
function sampleUrl(template: string): string {
  return template.replace("{{trigger}}", "transport.messageReceived");
}

/** Why the URL template is unusable for the given protocols, or undefined when it is fine. */
export function urlProblem(
  template: string,
  protocols: readonly string[] = ["http:", "https:"],
): string | undefined {
  let url: URL;
  try {
    url = new URL(sampleUrl(template));
  } catch {
    return "is not a URL";
  }
  if (!protocols.includes(url.protocol))
    return `must use ${protocols.map((p) => p.slice(0, -1)).join(" or ")}`;
  if (!url.hostname) return "has no host";
  return undefined;
}

/** A warning when the URL names a private or loopback address (or localhost) literally. */
export function privateAddressWarning(template: string): string | undefined {
  let host: string;
  try {
    host = new URL(sampleUrl(template)).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return undefined;
  }
  const isLocalName = host === "localhost" || host.endsWith(".localhost");
  const isPrivate = isLocalName || (isIP(host) !== 0 && isBlockedAddress(host));
  return isPrivate ? `${host} is a private or loopback address: ${SSRF_RULE}` : undefined;
}
