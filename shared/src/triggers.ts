/**
 * The Connector's trigger patterns. The Connector subscribes with EventEmitter2 in wildcard mode
 * (delimiter "."), so a webhook trigger means what EventEmitter2 makes of it:
 *
 * - a literal segment matches itself; `*` matches exactly one segment (`transport.*` matches
 *   `transport.messageReceived`, not `transport` nor `transport.a.b`);
 * - `**` matches ZERO or more segments: `**` matches every trigger, `transport.**` matches
 *   `transport` itself as well as `transport.messageReceived` and `transport.a.b`,
 *   `**.messageReceived` matches `messageReceived`, `a.**.c` matches `a.c`;
 * - a pattern with two `**` in a row is never subscribed by EventEmitter2 (`growListenerTree`
 *   silently drops it), so it would match nothing: we reject it as invalid instead.
 *
 * Source: EventEmitter2 6.4.9 (`@js-soft/ts-utils` depends on `^6.4.9`; its `EventEmitter2EventBus`,
 * the Connector runtime's bus, creates it with `wildcard: true`),
 * `lib/eventemitter2.js`, `searchListenerTree` (the `currentType === '**'` branch and the
 * `xxTree = tree['**']` block) and `growListenerTree`; checked by running that file against this
 * rule for every pattern of up to 4 segments over {a, b, *, **} and events of up to 4 segments.
 *
 * Where EventEmitter2 departs from the rule it is a bug of its non-backtracking tree search, and we
 * follow the rule: with `*` next to `**` (`a.*.**` and `a.**.*` also match `a`; `**.*.x` misses
 * `t.x`) and when `**` must skip a segment equal to the literal after it (`**.a` misses `a.a.a`).
 * For Connector events (two segments, `namespace.event`) and patterns without `*` next to `**` the
 * two agree exactly.
 */

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const MAX_LENGTH = 256;

export type TriggerMatcher = (trigger: string) => boolean;

/** A dotted event name such as `transport.messageReceived`. */
export function isValidTrigger(name: string): boolean {
  return name.length > 0 && name.length <= MAX_LENGTH && name.split(".").every((s) => SEGMENT.test(s));
}

/** A trigger name whose segments may also be `*` or `**`, never two `**` in a row. */
export function isValidTriggerPattern(pattern: string): boolean {
  if (pattern.length === 0 || pattern.length > MAX_LENGTH) return false;
  const parts = pattern.split(".");
  return parts.every(
    (part, i) => SEGMENT.test(part) || part === "*" || (part === "**" && parts[i + 1] !== "**"),
  );
}

/** Compiles a pattern once (for a destination's triggers); throws RangeError when it is invalid. */
export function compileTriggerPattern(pattern: string): TriggerMatcher {
  if (!isValidTriggerPattern(pattern)) throw new RangeError(`invalid trigger pattern: "${pattern}"`);
  const parts = pattern.split(".");
  if (!parts.some((part) => part === "*" || part === "**")) return (trigger) => trigger === pattern;
  return (trigger) => matchParts(parts, trigger.split("."));
}

export function matchesTrigger(pattern: string, trigger: string): boolean {
  return compileTriggerPattern(pattern)(trigger);
}

export function matchesAnyTrigger(patterns: readonly string[], trigger: string): boolean {
  return patterns.some((pattern) => matchesTrigger(pattern, trigger));
}

/**
 * Walks the trigger once, keeping the set of pattern positions still alive (like a glob NFA), so
 * several `**` never cause exponential backtracking.
 */
function matchParts(parts: readonly string[], segments: readonly string[]): boolean {
  let alive = skipStars(parts, new Set([0]));
  for (const segment of segments) {
    const next = new Set<number>();
    for (const i of alive) {
      const part = parts[i];
      if (part === "**") next.add(i);
      else if (part === "*" || part === segment) next.add(i + 1);
    }
    if (next.size === 0) return false;
    alive = skipStars(parts, next);
  }
  return alive.has(parts.length);
}

/** Adds the positions reached by letting each `**` match zero segments. */
function skipStars(parts: readonly string[], positions: Set<number>): Set<number> {
  for (const i of positions) if (parts[i] === "**") positions.add(i + 1);
  return positions;
}
