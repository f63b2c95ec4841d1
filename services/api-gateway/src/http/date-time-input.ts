import { AppError } from "@event-hub/shared";

/**
 * A `date-time` input as a Date. The schema's `date-time` format admits leap seconds
 * (`…T23:59:60Z`), which JavaScript cannot represent: `new Date()` gives Invalid Date, which
 * Postgres would refuse with a 500. Such a time is the caller's 400, naming the field.
 */
export function parseDateTime(value: string, field: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new AppError(
      "error.hub.validation",
      `${field}: "${value}" cannot be represented (leap seconds are not supported; use …:59Z)`,
      400,
    );
  }
  return date;
}

/** parseDateTime for an optional input. */
export function parseOptionalDateTime(value: string | undefined, field: string): Date | undefined {
  return value === undefined ? undefined : parseDateTime(value, field);
}
