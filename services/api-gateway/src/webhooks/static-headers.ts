import { AppError } from "@event-hub/shared";

/**
 * What a destination's static headers (and an ApiKey target's header name) may be, checked when
 * they are written, so a header Node would refuse to send does not fail every attempt forever.
 * Names: any HTTP token, as the Connector takes them (the schema checks that), except the headers
 * the hub sets itself or that frame the request. Values: an RFC 9110 field-value — visible ASCII,
 * space, tab and obs-text (0x80–0xFF); never CR, LF, NUL or another control character. This is the
 * same test Node applies when it sends (`validateHeaderValue`).
 */

const FIELD_VALUE = /^[\t\x20-\x7E\x80-\xFF]*$/;

/** Set by the hub on every request (Standard Webhooks), or part of the request's framing. */
const RESERVED_NAMES = new Set([
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "proxy-connection",
  "upgrade",
  "te",
  "trailer",
]);

const invalid = (field: string, message: string) =>
  new AppError("error.hub.validation", `body/${field} ${message}`, 400);

/** Throws a 400 naming the header (`body/<field>/<name>`) for the first header that may not be sent. */
export function checkStaticHeaders(headers: Readonly<Record<string, string>>, field: string): void {
  for (const [name, value] of Object.entries(headers)) {
    checkHeaderName(name, `${field}/${name}`);
    if (!FIELD_VALUE.test(value)) {
      throw invalid(
        `${field}/${name}`,
        "is not a valid HTTP header value: CR, LF, NUL, other control characters and characters above U+00FF are not allowed",
      );
    }
  }
}

/** Throws a 400 when the hub sets this header itself or it frames the request. */
export function checkHeaderName(name: string, field: string): void {
  if (RESERVED_NAMES.has(name.toLowerCase()))
    throw invalid(field, `names the header "${name}", which the hub sets itself; it cannot be configured`);
}
