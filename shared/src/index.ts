export { checkPubSub, createPubSub } from "./pubsub/client.ts";
export type { PubSubOptions } from "./pubsub/client.ts";
export { ensureSubscription, ensureTopic } from "./pubsub/provision.ts";
export type { DeadLetterPolicy, RetryPolicy, SubscriptionSettings } from "./pubsub/provision.ts";
export {
  automationsSubscriptionName,
  hubPubSubLayout,
  loadPubSubConfig,
  provisionHubPubSub,
} from "./pubsub/hub-pubsub-layout.ts";
export type { HubPubSubLayout, HubPubSubNames, HubSubscription } from "./pubsub/hub-pubsub-layout.ts";
export { openHealingSubscription } from "./pubsub/healing-subscription.ts";
export type { HealingSubscription, HealingSubscriptionOptions } from "./pubsub/healing-subscription.ts";
export { probeSubscription, probeTopic } from "./pubsub/subscription-probe.ts";
export type { SubscriptionPresence } from "./pubsub/subscription-probe.ts";
export {
  MAX_ATTRIBUTE_KEY_BYTES,
  MAX_ATTRIBUTE_VALUE_BYTES,
  MAX_ATTRIBUTES,
  MAX_EVENT_DATA_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_ORDERING_KEY_BYTES,
  decodeEvent,
  encodeEvent,
} from "./pubsub/event-codec.ts";
export type {
  ConnectorBrokerEvent,
  DecodeResult,
  EncodedEvent,
  EncodeResult,
  HubEvent,
  PubSubLimit,
  PubSubMessageInput,
} from "./pubsub/event-codec.ts";
export {
  assertDatabaseReachable,
  checkDatabase,
  createPool,
  describeDatabaseAddress,
  withTransaction,
} from "./db/pool.ts";
export type { PoolLogger, PoolOptions } from "./db/pool.ts";
export { MIGRATIONS_DIRECTORY, readMigrations, runMigrations } from "./db/migrate.ts";
export type { AppliedMigration, Migration } from "./db/migrate.ts";
export { derivedId, idTime, isId, newId } from "./ids.ts";
export { backoffDelayMs, exponentialDelay, withJitter } from "./backoff.ts";
export type { Backoff } from "./backoff.ts";
export { createPeriodicTask } from "./periodic-task.ts";
export type { PeriodicTask, PeriodicTaskOptions } from "./periodic-task.ts";
export { listenForNotifications } from "./db/notification-listener.ts";
export { idPageSql } from "./db/id-page.ts";
export type { IdPage, PageOrder } from "./db/id-page.ts";
export type { NotificationListener, NotificationListenerOptions } from "./db/notification-listener.ts";
export { SYNC_REQUESTED_CHANNEL } from "./sync-requested-channel.ts";
export type { IdPrefix } from "./ids.ts";
export {
  AppError,
  ConfigError,
  badRequest,
  conflict,
  errorEnvelope,
  forbidden,
  newErrorId,
  notFound,
  unauthorized,
} from "./errors.ts";
export type { ErrorEnvelope } from "./errors.ts";
export { registerErrorHandling } from "./http/error-handler.ts";
export { clientTimeoutOptions } from "./http/client-timeouts.ts";
export type { HttpTimeouts } from "./http/client-timeouts.ts";
export { useUtf8JsonParser } from "./http/utf8-json-parser.ts";
export {
  compileTriggerPattern,
  isValidTrigger,
  isValidTriggerPattern,
  matchesAnyTrigger,
  matchesTrigger,
} from "./triggers.ts";
export type { TriggerMatcher } from "./triggers.ts";
export { triggerPatternRegex } from "./trigger-pattern-regex.ts";
export { boundedTriggerLabel } from "./known-triggers.ts";
export { createSecretBox, generateSecretsKey } from "./secrets.ts";
export type { SealContext, SecretBox, SecretBoxOptions } from "./secrets.ts";
export {
  SEALED_CONFIG_PATHS,
  connectorApiKeySealing,
  destinationConfigSealing,
  idempotentAnswerSealing,
  signingSecretSealing,
} from "./secrets/sealed-columns.ts";
export type { SealedConfigPath } from "./secrets/sealed-columns.ts";
export {
  checkHttpTimeouts,
  databaseSettings,
  describeConfig,
  httpSettings,
  loadConfig,
  loggingSettings,
  pubsubSettings,
  redactConfig,
  secretsSettings,
  serviceSettings,
  shutdownSettings,
} from "./config.ts";
export type { ConfigRow } from "./config.ts";
export { createLogger } from "./logger.ts";
export type { LoggerOptions } from "./logger.ts";
export { createShutdown, onSignals } from "./shutdown.ts";
export type { Shutdown, ShutdownLogger, ShutdownStep } from "./shutdown.ts";
export { registerCorrelationId, CORRELATION_HEADER } from "./http/correlation-id.ts";
export { createQuietLogController, registerRequestLogging } from "./http/request-logging.ts";
export { createMetricsRegistry, registerOpsRoutes, runReadinessCheck } from "./http/ops-routes.ts";
export type { OpsRoutesOptions, ReadinessCheck } from "./http/ops-routes.ts";
export { StartupError, openDatabase, openPubSub, runService } from "./service-startup.ts";
export type { DatabaseConfig, PubSubConfig } from "./service-startup.ts";
export {
  AmqpDestinationConfig,
  BatchDestinationConfig,
  StoredTargetAuthentication,
  WebhookDestinationConfig,
  parseDestinationConfig,
} from "./destination-config.ts";
export type { DestinationConfig } from "./destination-config.ts";
export { isBlockedAddress } from "./outbound/blocked-addresses.ts";
export {
  SsrfBlockedError,
  createSsrfPolicy,
  guardedLookup,
  isSsrfBlocked,
  literalAddressRefusal,
} from "./outbound/ssrf-guard.ts";
export type { SsrfPolicy } from "./outbound/ssrf-guard.ts";
export { createGuardedFetch } from "./outbound/guarded-fetch.ts";
export type { GuardedFetch, GuardedRequestInit, GuardedResponse } from "./outbound/guarded-fetch.ts";
export { createGuardedHttpClient, readBodyPrefix } from "./outbound/guarded-http-client.ts";
export type {
  GuardedHttpClient,
  GuardedHttpRequest,
  GuardedHttpResponse,
} from "./outbound/guarded-http-client.ts";
export { openServiceFoundation } from "./service-foundation.ts";
export type { FoundationConfig, ServiceFoundation } from "./service-foundation.ts";
export { tokenLevel } from "./rate-tokens.ts";
// The delivery queue (delivery-queue/): the only code that writes events, deliveries, attempts and
// destination health, and the only one that names its wake-up channel.
export { DELIVERY_STATUSES } from "./delivery-queue/delivery-status.ts";
export type { DeliveryStatus } from "./delivery-queue/delivery-status.ts";
export { DELIVERIES_DUE_CHANNEL } from "./delivery-queue/channels.ts";
export type { ConnectorScope } from "./delivery-queue/queryable.ts";
export { insertEvent, storeEventsWithDeliveries } from "./delivery-queue/enqueue.ts";
export type { QueuedDelivery } from "./delivery-queue/enqueue.ts";
export { destinationAllowance, shareSlots } from "./delivery-queue/allowance.ts";
export type { Allowance, DestinationLoad, HoldReason } from "./delivery-queue/allowance.ts";
export { claimDeliveries } from "./delivery-queue/claim.ts";
export type { Claim, ClaimOptions } from "./delivery-queue/claim.ts";
export { claimBatches } from "./delivery-queue/claim-batches.ts";
export type { BatchClaimOptions, DeliveryClaim } from "./delivery-queue/claim-batches.ts";
export { releaseDelivery, renewLeases } from "./delivery-queue/lease.ts";
export type { ClaimedDelivery, LeaseRef } from "./delivery-queue/lease.ts";
export { writeAttempts } from "./delivery-queue/record-attempts.ts";
export type { AttemptInput, AttemptWritten } from "./delivery-queue/record-attempts.ts";
export {
  countDestinationFailure,
  disableDestination,
  markDestinationHealthy,
  openBreaker,
} from "./delivery-queue/destination-health.ts";
export type { DestinationFailures } from "./delivery-queue/destination-health.ts";
export type { BreakerState, BreakerTransition } from "./delivery-queue/breaker-state.ts";
export { deleteExpiredOutcomes, readWindowCounts } from "./delivery-queue/breaker-window.ts";
export type { OutcomeWindow } from "./delivery-queue/breaker-window.ts";
export { countBreakers, measureDueBacklog } from "./delivery-queue/queue-gauges.ts";
export type { BreakerCounts } from "./delivery-queue/queue-gauges.ts";
export {
  requeueDelivery,
  requeueEventDeliveries,
  requeueStoppedDeliveries,
  unparkDeliveries,
} from "./delivery-queue/requeue.ts";
export type { RecoverWindow, RequeuedStopped } from "./delivery-queue/requeue.ts";
export { createMissingDeliveries } from "./delivery-queue/create-missing-deliveries.ts";
export { TEST_EVENT_CONNECTOR_ID } from "./delivery-queue/visibility.ts";
export {
  findDelivery,
  listAttempts,
  listDeliveries,
  listDeliveriesOfEvent,
} from "./delivery-queue/read-deliveries.ts";
export type { AttemptRow, DeliveryFilter, DeliveryRow } from "./delivery-queue/read-deliveries.ts";
export { findEvent, listEvents } from "./delivery-queue/read-events.ts";
export type { EventFilter, EventRow } from "./delivery-queue/read-events.ts";
export { explainWait, WAIT_REASONS } from "./delivery-queue/explain-wait.ts";
export type { DeliveryWait, DeliveryWaitFacts, WaitReason } from "./delivery-queue/explain-wait.ts";
export { findDeliveryWaitFacts } from "./delivery-queue/wait-facts.ts";
export { deleteExpiredEvents } from "./delivery-queue/retention.ts";
