import { newErrorId } from "./ids.ts";

/**
 * An error the simulated Connector answers deliberately, with the Connector's code and status
 * (connector genericErrorHandler: recordNotFound → 404, `error.platform.*` → 500, other
 * ApplicationErrors → 400). Anything else becomes a bare 500 `error.connector.unexpected`.
 */
export class SimError extends Error {
  readonly code: string;
  readonly statusCode: number;

  constructor(code: string, message: string, statusCode: number) {
    super(message);
    this.name = "SimError";
    this.code = code;
    this.statusCode = statusCode;
  }
}

export type ConnectorErrorBody = {
  error: { id: string; code: string; message: string; time: string; docs: string };
};

export function errorEnvelope(code: string, message: string): ConnectorErrorBody {
  return {
    error: {
      id: newErrorId(),
      code,
      message,
      time: new Date().toISOString(),
      docs: `https://enmeshed.eu/integrate/error-codes#${code}`,
    },
  };
}

export function recordNotFound(entityName: string): SimError {
  return new SimError(
    "error.runtime.recordNotFound",
    `${entityName} not found. Make sure the ID exists and the record is not expired.`,
    404,
  );
}

export function invalidPropertyValue(message: string): SimError {
  return new SimError("error.runtime.validation.invalidPropertyValue", message, 400);
}

/** An ApplicationError the runtime raises for a business rule; the Connector answers 400. */
export function ruleViolated(code: string, message: string): SimError {
  return new SimError(code, message, 400);
}

export const httpErrors = {
  unauthorized: () => new SimError("error.connector.unauthorized", "Unauthorized.", 401),
  routeDoesNotExist: () =>
    new SimError("error.connector.http.routeDoesNotExist", "The requested route does not exist.", 404),
  methodNotAllowed: () =>
    new SimError(
      "error.connector.http.methodNotAllowed",
      "The request method is not supported for the requested resource.",
      405,
    ),
  invalidJsonInPayload: () =>
    new SimError(
      "error.connector.validation.invalidJsonInPayload",
      "The given payload is not a valid json object.",
      400,
    ),
  unexpected: () => new SimError("error.connector.unexpected", "An unexpected error occurred.", 500),
};
