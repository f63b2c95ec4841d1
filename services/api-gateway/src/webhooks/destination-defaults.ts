/**
 * What a destination created through the API gets for each field its body leaves out, keyed by the
 * destinations row's column. The one place these values live: destination-input.ts fills them in and
 * routes/webhook-schemas.ts states them in the API's descriptions. They are not in the body schema as
 * `default`s because the PATCH body shares its fields, and there an absent field keeps the stored value.
 */
export const DESTINATION_DEFAULTS = {
  description: "",
  enabled: true,
  ordered: false,
  retry_schedule_seconds: null,
  retry_client_errors: true,
  max_in_flight: 50,
  rate_limit_per_second: null,
  timeout_ms: 15000,
} as const;

/** The header an ApiKey target's key is sent in when `headerName` is absent (the Connector's default). */
export const DEFAULT_API_KEY_HEADER = "x-api-key";
