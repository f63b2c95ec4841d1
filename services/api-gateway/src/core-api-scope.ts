/**
 * The Connector's own scopes for a Core API path (its controllers' `@Security` names; any one of
 * them allows the call), so a gateway key needs what a Connector key would: `core:messages` for
 * `Messages/…`, `core:requests` or `core:requests:incoming` for `Requests/Incoming/…`,
 * `debug:identityDeletionProcess`; `core:**` covers all but debug.
 * `path` is what follows `/v1/connectors/{id}/api/`, e.g. `v2/Messages/MSG…` or `core/v1/Messages`.
 * undefined: not a Core API path the hub forwards.
 */
export function coreApiScope(path: string): readonly string[] | undefined {
  const match = /^(?:v2|core\/v1)\/([A-Za-z]+)(?:\/([A-Za-z]+))?/.exec(path);
  const controller = match?.[1];
  if (!controller) return undefined;
  const name = controller[0]?.toLowerCase() + controller.slice(1);
  if (name === "identityDeletionProcess") return ["debug:identityDeletionProcess"];
  const sub = match[2];
  if (name === "requests" && (sub === "Incoming" || sub === "Outgoing"))
    return ["core:requests", `core:requests:${sub.toLowerCase()}`];
  return [`core:${name}`];
}
