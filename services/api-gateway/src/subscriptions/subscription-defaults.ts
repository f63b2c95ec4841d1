/**
 * What a Pub/Sub subscription created through the API gets for each setting its body leaves out (Pub/Sub's
 * own defaults). The one place these values live: the body schema's `default`s and manage-subscriptions.ts
 * both read them.
 */
export const SUBSCRIPTION_DEFAULTS = {
  ackDeadlineSeconds: 60,
  retentionSeconds: 604800,
  ordered: false,
} as const;
