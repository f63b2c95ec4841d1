import { checkHttpTimeouts, loadConfig, serviceSettings } from "@event-hub/shared";
import { Type, type Static } from "typebox";

/** Every variable webhook-dispatcher reads; docs/configuration.md is generated from these schemas. */
export const dispatcherConfigSchema = Type.Object({
  ...serviceSettings(8082),
  CONSUMER_MAX_MESSAGES: Type.Integer({
    minimum: 1,
    default: 1000,
    description:
      "Flow control: Pub/Sub messages in hand (being stored or waiting for their ack to be sent) at once; also the largest batch stored in one transaction.",
  }),
  CONSUMER_MAX_BYTES: Type.Integer({
    minimum: 1024,
    default: 16 * 1024 * 1024,
    description:
      "Flow control: bytes of Pub/Sub messages in hand at once, so large events cannot fill the memory.",
  }),
  DELIVERY_CONCURRENCY: Type.Integer({
    minimum: 1,
    default: 200,
    description:
      "Deliveries in flight at once in this process, over all destinations (each destination also keeps to its own max_in_flight, 50 unless set).",
  }),
  DELIVERY_POLL_INTERVAL_MS: Type.Integer({
    minimum: 10,
    default: 500,
    description: "How often idle delivery workers look for due deliveries (new events wake them at once).",
  }),
  DELIVERY_LEASE_SECONDS: Type.Integer({
    minimum: 5,
    maximum: 300,
    default: 20,
    description:
      "Lease on a claimed delivery: renewed every quarter of it while the delivery is in flight (token fetch, send, record), so a delivery of a worker that died is due again within this long. A request still in flight when its lease could not be renewed in time is aborted.",
  }),
  DELIVERY_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 15000,
    description:
      "Timeout of one batch POST; webhooks and AMQP publishes (until confirmed) use their destination's timeout_ms.",
  }),
  AMQP_CONNECT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 5000,
    description: "Timeout of opening a connection to an AMQP destination's broker.",
  }),
  AMQP_RECONNECT_INITIAL_MS: Type.Integer({
    minimum: 10,
    default: 500,
    description:
      "Wait after a failed AMQP connection attempt before the next; doubles with each failure in a row (±20 % jitter). Publishes meanwhile fail at once and are retried.",
  }),
  AMQP_RECONNECT_MAX_MS: Type.Integer({
    minimum: 10,
    default: 30000,
    description: "Longest wait between AMQP connection attempts.",
  }),
  AMQP_IDLE_CLOSE_SECONDS: Type.Integer({
    minimum: 1,
    default: 300,
    description:
      "An AMQP connection no delivery used for this long is closed (its broker URL changed or its destinations went); the next publish opens it again.",
  }),
  BREAKER_WINDOW_SECONDS: Type.Number({
    minimum: 1,
    default: 30,
    description:
      "Sliding window over which a destination's circuit breaker reads the share of failed attempts (counted in buckets of a tenth of it, shared by all replicas in Postgres).",
  }),
  BREAKER_MIN_REQUESTS: Type.Integer({
    minimum: 1,
    default: 20,
    description:
      "Fewest attempts in the window before its failure rate can open the breaker (a few failures of a quiet destination open nothing).",
  }),
  BREAKER_FAILURE_RATE: Type.Number({
    exclusiveMinimum: 0,
    maximum: 1,
    default: 0.5,
    description:
      "Share of failed attempts in the window (0..1) at or above which the breaker opens: nothing is sent until the cool-down ends. A receiver failing less than this keeps getting traffic and its failures are retried.",
  }),
  BREAKER_HALF_OPEN_PROBES: Type.Integer({
    minimum: 1,
    default: 3,
    description:
      "After the cool-down the breaker is half-open: at most this many deliveries to the destination in flight at once (probes). A success closes it, a failure opens it again.",
  }),
  BREAKER_COOLDOWN_SECONDS: Type.Number({
    minimum: 0.1,
    default: 30,
    description: "How long an open circuit breaker sends nothing before it lets probes through (half-open).",
  }),
  AUTO_DISABLE_AFTER_SECONDS: Type.Number({
    minimum: 1,
    default: 432000,
    description:
      "A destination failing continuously (no success) for this long is disabled, its waiting deliveries parked, and an operator event published (default 5 days).",
  }),
  RETENTION_DAYS: Type.Number({
    minimum: 0.0001,
    default: 30,
    description:
      "Events whose deliveries are all finished are deleted, with their deliveries and attempts, after this many days.",
  }),
  RETENTION_INTERVAL_SECONDS: Type.Number({
    minimum: 1,
    default: 3600,
    description: "How often the retention cleanup runs.",
  }),
  SSRF_ALLOW: Type.Array(Type.String(), {
    default: [],
    description:
      "CIDRs or host names that webhook and AMQP destinations and OAuth2 token URLs may reach although private, loopback or reserved (comma-separated; e.g. a broker on a private network, development and tests).",
  }),
  WORKER_ID: Type.String({
    default: "",
    description:
      "Name this process writes as the owner of the deliveries it claims (empty: host name and pid).",
  }),
});

export type DispatcherConfig = Static<typeof dispatcherConfigSchema>;

export function loadDispatcherConfig(env: NodeJS.ProcessEnv = process.env): DispatcherConfig {
  const config = loadConfig(dispatcherConfigSchema, env);
  checkHttpTimeouts(config);
  return config;
}
