export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

export type Logger = {
  debug(message: string, detail?: unknown): void;
  info(message: string, detail?: unknown): void;
  warn(message: string, detail?: unknown): void;
  error(message: string, detail?: unknown): void;
  child(name: string): Logger;
};

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** One JSON line per entry on stderr (stdout stays free for the CLI's own output). */
export function createLogger(level: LogLevel = "info", name = "connector-sim"): Logger {
  const write = (entryLevel: Exclude<LogLevel, "silent">, message: string, detail?: unknown) => {
    if (order[entryLevel] < order[level]) return;
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      level: entryLevel,
      name,
      message,
    };
    if (detail !== undefined) line.detail = detail instanceof Error ? detail.message : detail;
    process.stderr.write(JSON.stringify(line) + "\n");
  };
  return {
    debug: (message, detail) => write("debug", message, detail),
    info: (message, detail) => write("info", message, detail),
    warn: (message, detail) => write("warn", message, detail),
    error: (message, detail) => write("error", message, detail),
    child: (childName) => createLogger(level, `${name}:${childName}`),
  };
}
