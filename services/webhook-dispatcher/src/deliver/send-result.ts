/** What one attempt produced, before any judgement: a response, or the class of failure that prevented one. */
export type SendResult =
  | { kind: "response"; status: number; headers: Record<string, string>; body: string; durationMs: number }
  | { kind: "failure"; failure: SendFailure; message: string; durationMs: number };

/**
 * timeout · dns · connect (refused, reset, unreachable) · tls · network (anything else on the wire) ·
 * ssrf_blocked (the address is not allowed: the webhook's, or its OAuth2 token URL's) · auth (an
 * OAuth2 token could not be obtained otherwise) · broker (AMQP channel closed before the confirm) ·
 * broker_unreachable (no AMQP connection) · broker_nack (the broker refused the message) ·
 * exchange_not_found · config (the stored destination cannot be used).
 */
export type SendFailure =
  | "timeout"
  | "dns"
  | "connect"
  | "tls"
  | "network"
  | "ssrf_blocked"
  | "auth"
  | "broker"
  | "broker_unreachable"
  | "broker_nack"
  | "exchange_not_found"
  | "config"
  | "lease_lost";

export const MAX_RESPONSE_BODY_BYTES = 16 * 1024;

/** The stored destination cannot be used: a final failure, before anything was sent. */
export function configFailure(message: string): SendResult {
  return { kind: "failure", failure: "config", message, durationMs: 0 };
}
