import { Type } from "typebox";

/**
 * The ingest edge's settings: what a hostile client may cost (part of sync-worker's config schema;
 * the HTTP timeouts are every service's, from serviceSettings).
 */
export const ingestEdgeSettings = {
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
  INGEST_CREDENTIAL_MAX_AGE_MS: Type.Integer({
    minimum: 0,
    default: 1000,
    description:
      "How long a Connector's ingest credential, once read from Postgres, accepts events without asking Postgres again; a revoked or rotated-away credential or a disabled Connector is refused at most this long after the change (refusals always ask Postgres). 0 = ask Postgres for every event",
  }),
  TRUSTED_PROXIES: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description:
      "Comma-separated addresses or CIDRs a proxy in front of sync-worker connects from (GKE's load balancer: 35.191.0.0/16,130.211.0.0/22); only from them is X-Forwarded-For believed, for the failure limit's client address. Empty = the TCP peer is the client",
  }),
  TRUSTED_PROXY_HOPS: Type.Integer({
    minimum: 1,
    default: 1,
    description:
      "Addresses from the TCP peer on that belong to the proxy chain when the peer is a TRUSTED_PROXIES one (GKE's external load balancer appends the client's and its own address: 2)",
  }),
};
