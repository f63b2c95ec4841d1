import { AppError } from "@event-hub/shared";

/** Pub/Sub's limit on a subscription filter's length. */
const MAX_FILTER_BYTES = 256;

export type PubSubFilter = {
  /** '' when every message matches. */
  filter: string;
  /** false when some pattern could only be approximated (the subscriber must check the rest). */
  isExact: boolean;
  notes: string[];
};

/**
 * A Pub/Sub filter on the `namespace` attribute (the trigger) and `connectorId`, from the Connector's
 * trigger patterns. Pub/Sub filters know `=`, `hasPrefix` and no wildcards, so:
 * - `a.b` → `attributes.namespace = "a.b"` (exact);
 * - `a.**` → `= "a"` or `hasPrefix("a.")` (exact), and `**` alone → no trigger filter (exact);
 * - `a.*` → `hasPrefix("a.")`, which also lets `a.b.c` through: exact for Connector events (always
 *   `namespace.event`), approximate in general;
 * - a wildcard before the end (`*.messageReceived`, `a.*.c`) → `hasPrefix` of the literal part before
 *   it, or no filter at all: approximate.
 * Approximations only ever let more through, never less.
 */
export function pubsubFilter(
  triggers: readonly string[],
  connectorIds: readonly string[] | undefined,
): PubSubFilter {
  const notes: string[] = [];
  let isExact = true;
  const clauses: string[] = [];
  let matchesAll = false;
  for (const pattern of new Set(triggers)) {
    const translated = translate(pattern);
    if (!translated.isExact) {
      isExact = false;
      notes.push(`"${pattern}" is approximated by ${translated.clauses.join(" OR ") || "no trigger filter"}`);
    }
    if (translated.clauses.length === 0) matchesAll = true;
    clauses.push(...translated.clauses);
  }
  const groups: string[] = [];
  if (!matchesAll && clauses.length > 0) groups.push(group([...new Set(clauses)]));
  if (connectorIds && connectorIds.length > 0) {
    groups.push(group([...new Set(connectorIds)].map((id) => `attributes.connectorId = ${quote(id)}`)));
  }
  const filter =
    groups.length > 1
      ? groups.map((g) => (g.startsWith("(") ? g : `(${g})`)).join(" AND ")
      : (groups[0] ?? "");
  if (Buffer.byteLength(filter) > MAX_FILTER_BYTES) {
    throw new AppError(
      "error.hub.validation",
      `body/triggers: the Pub/Sub filter would be ${Buffer.byteLength(filter)} bytes, more than Pub/Sub's ${MAX_FILTER_BYTES}; use fewer or broader patterns`,
      400,
    );
  }
  return { filter, isExact, notes };
}

function translate(pattern: string): { clauses: string[]; isExact: boolean } {
  const parts = pattern.split(".");
  const firstWildcard = parts.findIndex((part) => part === "*" || part === "**");
  if (firstWildcard === -1) return { clauses: [`attributes.namespace = ${quote(pattern)}`], isExact: true };
  const literal = parts.slice(0, firstWildcard).join(".");
  const isLast = firstWildcard === parts.length - 1;
  const wildcard = parts[firstWildcard];
  if (literal === "") return { clauses: [], isExact: isLast && wildcard === "**" };
  const prefix = `hasPrefix(attributes.namespace, ${quote(`${literal}.`)})`;
  if (isLast && wildcard === "**") {
    return { clauses: [`attributes.namespace = ${quote(literal)}`, prefix], isExact: true };
  }
  return { clauses: [prefix], isExact: false };
}

function group(clauses: string[]): string {
  return clauses.length === 1 ? (clauses[0] as string) : `(${clauses.join(" OR ")})`;
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}
