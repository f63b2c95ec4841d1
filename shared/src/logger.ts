import { pino } from "pino";
import type { DestinationStream, LevelWithSilent, Logger } from "pino";

export interface LoggerOptions {
  service: string;
  level: LevelWithSilent;
  version?: string;
}

// Cloud Logging reads `severity`; pino's numeric `level` means nothing to it. Spelled out so a
// level never falls through to DEFAULT.
const SEVERITY: Record<string, string> = {
  trace: "DEBUG",
  debug: "DEBUG",
  info: "INFO",
  warn: "WARNING",
  error: "ERROR",
  fatal: "CRITICAL",
};

// Secrets that could reach a log line. pino's `*` spans exactly one level, hence the three depths.
const SECRET_KEYS = ["secret", "apiKey", "password", "clientSecret", "key", "accessToken"];
const REDACT_PATHS = [
  'req.headers["x-api-key"]',
  "req.headers.authorization",
  "req.headers.cookie",
  'headers["x-api-key"]',
  "headers.authorization",
  '*.headers["x-api-key"]',
  "*.headers.authorization",
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
];

/**
 * A pino logger writing one JSON line per entry as Cloud Logging wants it: `message`, `severity`,
 * ISO `time` and `serviceContext` (which Error Reporting groups by). Usable as fastify's
 * `loggerInstance`. Tests pass `destination` to read the lines.
 */
export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  const serviceContext = options.version
    ? { service: options.service, version: options.version }
    : { service: options.service };
  const settings = {
    level: options.level,
    messageKey: "message",
    base: { serviceContext },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ severity: SEVERITY[label] ?? "DEFAULT" }) },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  };
  return destination ? pino(settings, destination) : pino(settings);
}
