import { isValidTriggerPattern, matchesTrigger } from "@event-hub/shared";

/**
 * Scopes of API keys, with the Connector's wildcard rules (its `security-considerations`): segments
 * split on `:`, `*` matches one segment, `**` any number. A granted `core:**` covers `core:messages`
 * and `core:requests:incoming`; `**` covers everything. The rules are the trigger patterns' with
 * another delimiter, so the same matcher decides both.
 */

const toDotted = (scope: string): string => scope.replaceAll(":", ".");

/** A scope pattern a key may be granted: `webhooks:write`, `deliveries:*`, `core:**`, `**`. */
export function isValidScopePattern(pattern: string): boolean {
  return !pattern.includes(".") && isValidTriggerPattern(toDotted(pattern));
}

/** True when one of the granted patterns covers the required scope. */
export function hasScope(granted: readonly string[], required: string): boolean {
  const wanted = toDotted(required);
  return granted.some((pattern) => isValidScopePattern(pattern) && matchesTrigger(toDotted(pattern), wanted));
}
