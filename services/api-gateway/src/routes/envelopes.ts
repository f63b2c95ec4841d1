import { Type, type TSchema } from "typebox";

/** The Connector's success envelope: `{ "result": ... }`, with the example of what it holds. */
export function resultOf<T extends TSchema>(schema: T) {
  const example = exampleOf(schema);
  return Type.Object({ result: schema }, example === undefined ? {} : { examples: [{ result: example }] });
}

/** A schema's first example; an array's is a list of its item's. */
export function exampleOf(schema: TSchema): unknown {
  const { examples, items } = schema as { examples?: unknown[]; items?: TSchema };
  if (examples?.[0] !== undefined) return examples[0];
  const item = items && exampleOf(items);
  return item === undefined ? undefined : [item];
}

/** The Connector's error envelope, used for every error status. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      id: Type.String({ examples: ["ERRABCDEFGHJKLMNPQR"] }),
      code: Type.String({ examples: ["error.hub.webhookNotFound"] }),
      message: Type.String(),
      time: Type.String({ format: "date-time" }),
      docs: Type.Optional(Type.String()),
    }),
  },
  {
    examples: [
      {
        error: {
          id: "ERRABCDEFGHJKLMNPQR",
          code: "error.hub.validation",
          message: "body/url must match pattern",
          time: "2025-01-01T00:00:00.000Z",
        },
      },
    ],
  },
);

const ERROR_DESCRIPTIONS = {
  400: "Validation failed; the message names the field (and, for a fixed set of values, the allowed ones)",
  401: "No valid API key in the API key header",
  403: "The API key lacks the route's scope, or is limited to Connectors and asks for more than them",
  404: "No such resource (one beyond the API key's Connectors answers the same)",
  409: "Conflict with the resource's state (or an Idempotency-Key still in use)",
  422: "Idempotency-Key reused with a different request",
  429: "Rate limit of the API key exceeded; see Retry-After",
  502: "The Connector or Pub/Sub did not answer",
  504: "The Connector did not answer in time",
} as const;

export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** Error responses for a route's schema; 401, 403 and 429 apply to every /v1 route. */
export function errorResponses(...statuses: ErrorStatus[]) {
  const all = [...new Set<ErrorStatus>([...statuses, 401, 403, 429])];
  return Object.fromEntries(
    all.map((status) => [status, { ...ErrorResponse, description: ERROR_DESCRIPTIONS[status] }]),
  ) as unknown as Record<ErrorStatus, typeof ErrorResponse>;
}

/** The body of an action without inputs: none, or `{}` (its route sets `optionalBody`). */
export const EmptyBody = Type.Object(
  {},
  { additionalProperties: false, description: "No fields; the body may be omitted", examples: [{}] },
);

/** Empty 204 response. */
export const NoContent = Type.Null({ description: "No content" });
