import { STATUS_CODES } from "node:http";
import type { FastifyBaseLogger, FastifyTypeProvider } from "fastify";
import { AppError, errorEnvelope } from "../errors.ts";
import type { AnyFastifyApp } from "./any-fastify-app.ts";

/**
 * One error handler for every service, answering in the Connector's envelope
 * `{ error: { id, code, message, time } }`. Deliberate errors (AppError, fastify's own 4xx) say
 * what went wrong; anything else is a bare 500 whose cause only the log sees.
 *
 * Call it before registering routes and plugins: fastify copies the handler into child contexts
 * when they are created.
 */
export function registerErrorHandling<Logger extends FastifyBaseLogger, Provider extends FastifyTypeProvider>(
  app: AnyFastifyApp<Logger, Provider>,
): void {
  app.setErrorHandler((error, request, reply) => {
    const answer = describeError(error, request.headers["content-type"]);
    if (answer.statusCode >= 500) {
      request.log.error({ err: error }, "request failed");
    } else {
      const details = error instanceof AppError ? error.details : undefined;
      request.log.info({ code: answer.code, statusCode: answer.statusCode, details }, answer.message);
    }
    return reply.status(answer.statusCode).send(errorEnvelope(answer.code, answer.message));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0];
    return reply
      .status(404)
      .send(
        errorEnvelope("error.hub.http.routeDoesNotExist", `Route ${request.method} ${path} does not exist.`),
      );
  });
}

interface ErrorAnswer {
  statusCode: number;
  code: string;
  message: string;
}

type ValidationIssue = { keyword?: string; params?: { additionalProperty?: unknown } };

/** Ajv's "must NOT have additional properties" does not say which one; the caller needs to know. */
function validationMessage(validation: unknown, message: unknown): string {
  const unknownProperties = (Array.isArray(validation) ? (validation as ValidationIssue[]) : [])
    .filter((issue) => issue.keyword === "additionalProperties")
    .map((issue) => String(issue.params?.additionalProperty));
  const text = String(message);
  return unknownProperties.length > 0 ? `${text}: ${unknownProperties.join(", ")}` : text;
}

/** Maps whatever was thrown to the status, code and message the client sees. */
function describeError(error: unknown, contentType: string | undefined): ErrorAnswer {
  if (error instanceof AppError) {
    return { statusCode: error.statusCode, code: error.code, message: error.message };
  }
  const { code, statusCode, validation, message } = (error ?? {}) as {
    code?: unknown;
    statusCode?: unknown;
    validation?: unknown;
    message?: unknown;
  };
  // fastify's default schema error formatter already names the field: `body/url must match format "uri"`.
  if (validation)
    return { statusCode: 400, code: "error.hub.validation", message: validationMessage(validation, message) };
  switch (code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return {
        statusCode: 400,
        code: "error.hub.validation.invalidJsonInPayload",
        message: "The request body is not valid JSON.",
      };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return {
        statusCode: 415,
        code: "error.hub.http.unsupportedMediaType",
        message: `Content type "${contentType ?? ""}" is not supported; send application/json.`,
      };
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return {
        statusCode: 413,
        code: "error.hub.http.payloadTooLarge",
        message: "The request body is too large.",
      };
  }
  if (typeof statusCode === "number" && statusCode >= 400 && statusCode < 500) {
    return { statusCode, code: `error.hub.http.${statusCodeName(statusCode)}`, message: String(message) };
  }
  return { statusCode: 500, code: "error.hub.unexpected", message: "An unexpected error occurred." };
}

/** `Too Many Requests` → `tooManyRequests`; unnamed statuses → `clientError`. */
function statusCodeName(statusCode: number): string {
  const words = (STATUS_CODES[statusCode] ?? "Client Error").replace(/[^A-Za-z0-9 -]/g, "").split(/[ -]+/);
  return words
    .map((word, i) => (i === 0 ? word.toLowerCase() : word[0]?.toUpperCase() + word.slice(1).toLowerCase()))
    .join("");
}
