import { isValidTriggerPattern } from "./triggers.ts";

/**
 * A trigger pattern as a POSIX regular expression over `'.' || trigger`, so Postgres filters
 * events by pattern (`('.' || trigger) ~ regex`) and pages stay range scans. With a dot before every
 * segment, `*` is one `\.[^.]+` and `**` is zero or more of them — the Connector's rules exactly.
 */
export function triggerPatternRegex(pattern: string): string {
  if (!isValidTriggerPattern(pattern)) throw new RangeError(`invalid trigger pattern: "${pattern}"`);
  const parts = pattern.split(".").map((part) => {
    if (part === "**") return "(\\.[^.]+)*";
    if (part === "*") return "\\.[^.]+";
    return `\\.${part}`; // segments are [A-Za-z0-9_-]: nothing to escape
  });
  return `^${parts.join("")}$`;
}
