/**
 * The Connector's own scope for a Core API path (its controllers' `@Security` names), so a gateway
 * key needs what a Connector key would: `core:messages` for `Messages/…`, `core:requests:incoming`
 * for `Requests/Incoming/…`, `debug:identityDeletionProcess`; `core:**` covers all but debug.
 * `path` is what follows `/v1/connectors/{id}/api/`, e.g. `v2/Messages/MSG…` or `core/v1/Messages`.
 * undefined: not a Core API path the hub forwards.
 */
export function coreApiScope(path: string): string | undefined {
  const match = /^(?:v2|core\/v1)\/([A-Za-z]+)(?:\/([A-Za-z]+))?/.exec(path);
  const controller = match?.[1];
  if (!controller) return undefined;
  const name = controller[0]?.toLowerCase() + controller.slice(1);
  if (name === "identityDeletionProcess") return "debug:identityDeletionProcess";
  const sub = match[2];
  if (name === "requests" && (sub === "Incoming" || sub === "Outgoing"))
    return `core:requests:${sub.toLowerCase()}`;
  return `core:${name}`;
}
