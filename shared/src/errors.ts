import { randomBytes } from "node:crypto";

/**
 * A deliberate error: the HTTP error handler answers with its status, stable dotted code
 * (`error.hub.webhookNotFound`) and message. `details` is for the log, never the response (the
 * Connector only shows details in debug mode).
 */
export class AppError extends Error {
  override name = "AppError";
  readonly code: string;
  readonly statusCode: number;
  readonly details?: string;

  constructor(
    code: string,
    message: string,
    statusCode = 400,
    options: { details?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.statusCode = statusCode;
    if (options.details !== undefined) this.details = options.details;
  }
}

export const badRequest = (code: string, message: string): AppError => new AppError(code, message, 400);
export const unauthorized = (code: string, message: string): AppError => new AppError(code, message, 401);
export const forbidden = (code: string, message: string): AppError => new AppError(code, message, 403);
export const notFound = (code: string, message: string): AppError => new AppError(code, message, 404);
export const conflict = (code: string, message: string): AppError => new AppError(code, message, 409);

/** Bad configuration: stops start-up with its one-line message. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

// The Connector's error id alphabet: no 0/O, 1/I so ids can be read over the phone.
const ERROR_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** `"ERR"` + 17 random characters, as the Connector's error ids. */
export function newErrorId(): string {
  let id = "ERR";
  // 32 symbols: the low 5 bits of each byte pick one without bias.
  for (const byte of randomBytes(17)) id += ERROR_ID_ALPHABET[byte & 31];
  return id;
}

export interface ErrorEnvelope {
  error: { id: string; code: string; message: string; time: string; docs?: string };
}

/** The Connector's error body, which our APIs answer with too. */
export function errorEnvelope(code: string, message: string, docs?: string): ErrorEnvelope {
  const error: ErrorEnvelope["error"] = { id: newErrorId(), code, message, time: new Date().toISOString() };
  if (docs !== undefined) error.docs = docs;
  return { error };
}
