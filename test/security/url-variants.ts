/**
 * The spellings of one gateway path that a router may match while a check on the raw URL does not
 * (contracts.md "Gateway auth"): percent-encoded and double-encoded letters and digits, other case,
 * dot segments (plain and encoded), `;` parameters, duplicate slashes, a trailing slash and an
 * encoded slash. Each must get the canonical path's auth decision or 404, never 2xx without a key.
 */

export type UrlVariant = { name: string; path: string };

/** `path` is a concrete `/v1/…` path without a query, e.g. `/v1/connectors/acme/sync`. */
export function urlVariants(path: string): UrlVariant[] {
  if (!path.startsWith("/v1/")) throw new Error(`not a /v1 path: ${path}`);
  const rest = path.slice("/v1/".length); // connectors/acme/sync
  const [first = "", ...others] = rest.split("/");
  const tail = others.length > 0 ? `/${others.join("/")}` : "";
  const encodeFirstLetter = (segment: string) =>
    `%${segment.charCodeAt(0).toString(16).padStart(2, "0")}${segment.slice(1)}`;
  const variants: UrlVariant[] = [
    { name: "v percent-encoded", path: `/%761/${rest}` },
    { name: "1 percent-encoded", path: `/v%31/${rest}` },
    { name: "v1 percent-encoded, upper-case hex", path: `/%76%31/${rest}` },
    { name: "resource letter percent-encoded", path: `/v1/${encodeFirstLetter(first)}${tail}` },
    { name: "v double-encoded", path: `/%25761/${rest}` },
    { name: "1 double-encoded", path: `/v%2531/${rest}` },
    { name: "upper-case V1", path: `/V1/${rest}` },
    { name: "upper-case resource", path: `/v1/${first.toUpperCase()}${tail}` },
    { name: "dot segment after v1", path: `/v1/./${rest}` },
    { name: "dot-dot segment after v1", path: `/v1/x/../${rest}` },
    { name: "dot segment before v1", path: `/./v1/${rest}` },
    { name: "dot-dot segment before v1", path: `/x/../v1/${rest}` },
    { name: "encoded dot segment", path: `/v1/%2e/${rest}` },
    { name: "encoded dot-dot segment", path: `/v1/x/%2e%2e/${rest}` },
    { name: "upper-case encoded dot-dot segment", path: `/x/%2E%2E/v1/${rest}` },
    { name: ";param on v1", path: `/v1;x=y/${rest}` },
    { name: ";param at the end", path: `${path};x=y` },
    { name: "leading double slash", path: `//v1/${rest}` },
    { name: "double slash after v1", path: `/v1//${rest}` },
    { name: "trailing slash", path: `${path}/` },
    { name: "encoded slash after v1", path: `/v1%2f${rest}` },
  ];
  return variants;
}
