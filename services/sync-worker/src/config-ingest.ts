import { Type } from "typebox";

/** The ingest edge's settings: what a hostile client may cost (part of sync-worker's config schema). */
export const ingestEdgeSettings = {
  HTTP_REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 30000,
    description:
      "Longest time a client may take to send one whole request, body included; a slower one gets 408 and its connection is closed",
  }),
  HTTP_HEADERS_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 10000,
    description:
      "Longest time a client may take to send a request's headers (at most HTTP_REQUEST_TIMEOUT_MS; checked at start)",
  }),
  INGEST_AUTH_FAILURES_MAX: Type.Integer({
    minimum: 1,
    default: 10,
    description:
      "Failed ingest credentials (wrong key or unknown Connector) one client address may present per INGEST_AUTH_FAILURE_WINDOW_SECONDS before it gets 429",
  }),
  INGEST_AUTH_FAILURE_WINDOW_SECONDS: Type.Integer({
    minimum: 1,
    default: 60,
    description: "The window INGEST_AUTH_FAILURES_MAX counts in; an address over the limit waits for its end",
  }),
  TRUSTED_PROXIES: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description:
      "Comma-separated addresses or CIDRs of the proxies in front of sync-worker whose X-Forwarded-For is believed (GKE's load balancer: 35.191.0.0/16,130.211.0.0/22 and its own address); the failure limit counts the first untrusted address. Empty = the TCP peer",
  }),
};
