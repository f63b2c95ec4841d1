import http from "node:http";
import https from "node:https";
import fetch, { type RequestInit, type Response } from "node-fetch";
import { guardedLookup, literalAddressRefusal, SsrfBlockedError, type SsrfPolicy } from "./ssrf-guard.ts";

export type GuardedRequestInit = Omit<RequestInit, "agent" | "redirect"> & {
  /** Accept any TLS certificate (a webhook destination's `skipTlsCheck`, as the Connector's option). */
  skipTlsCheck?: boolean;
};

/** node-fetch's response: its body is a Node stream. */
export type GuardedResponse = Response;

/** fetch for URLs someone else chose (a tenant's webhook, a Connector's baseUrl): SSRF-checked. */
export type GuardedFetch = {
  fetch(url: string, init?: GuardedRequestInit): Promise<GuardedResponse>;
  /** Closes the kept-alive connections. */
  close(): void;
};

/**
 * node-fetch over keep-alive agents whose connect-time lookup applies the SSRF policy, so a host name
 * that resolves inside (now or after the URL was saved) is refused. IP literals are checked before
 * connecting, since Node connects to them without a lookup; the WHATWG URL parser has already turned
 * decimal, octal and hex forms (`http://2130706433/`, `http://0x7f.1/`) into dotted ones by then.
 * Redirects are never followed: a 3xx could point anywhere, so the caller gets it as it is.
 * A refusal rejects with an error whose `code` is `ERR_SSRF_BLOCKED` (node-fetch's FetchError
 * carries the lookup's code).
 */
export function createGuardedFetch(policy: SsrfPolicy): GuardedFetch {
  const lookup = guardedLookup(policy);
  const httpAgent = new http.Agent({ keepAlive: true, lookup });
  const httpsAgent = new https.Agent({ keepAlive: true, lookup });
  const insecureHttpsAgent = new https.Agent({ keepAlive: true, lookup, rejectUnauthorized: false });
  return {
    async fetch(url, init = {}) {
      const { skipTlsCheck, ...rest } = init;
      const protocol = protocolOf(url);
      if (protocol !== "http:" && protocol !== "https:")
        throw new TypeError(`only http and https URLs are fetched, not ${protocol ?? "this URL"}`);
      const refusal = literalAddressRefusal(policy, url);
      if (refusal) throw new SsrfBlockedError(refusal);
      return await fetch(url, {
        ...rest,
        redirect: "manual",
        agent: (target) =>
          target.protocol === "http:" ? httpAgent : skipTlsCheck ? insecureHttpsAgent : httpsAgent,
      });
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
      insecureHttpsAgent.destroy();
    },
  };
}

function protocolOf(url: string): string | undefined {
  try {
    return new URL(url).protocol;
  } catch {
    return undefined;
  }
}
