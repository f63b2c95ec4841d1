/** A Core API path the hub forwards: the API version prefix and the Connector's scopes for it. */
export type CoreApiRoute = { prefix: "/api/v2" | "/api/core/v1"; scopes: readonly string[] };

/**
 * The Connector's own scopes for a Core API path (its controllers' `@Security` names; any one of
 * them allows the call), so a gateway key needs what a Connector key would: `core:messages` for
 * `Messages/…`, `core:requests` or `core:requests:incoming` for `Requests/Incoming/…`,
 * `debug:identityDeletionProcess`; `core:**` covers all but debug.
 * `segments` are the decoded segments after `/v1/connectors/{id}/api/` (forwarded-path.ts), e.g.
 * `["v2", "Messages", "MSG…"]` or `["core", "v1", "Messages"]`. The prefix must be exactly `v2` or
 * `core/v1`; the controller is compared without case, as the Connector's router matches it.
 * undefined: not a Core API path the hub forwards.
 */
export function coreApiRoute(segments: readonly string[]): CoreApiRoute | undefined {
  const [first, second] = segments;
  const prefix =
    first === "v2" ? "/api/v2" : first === "core" && second === "v1" ? "/api/core/v1" : undefined;
  if (!prefix) return undefined;
  const [controller, sub] = segments.slice(prefix === "/api/v2" ? 1 : 2);
  if (!controller || !/^[A-Za-z]+$/.test(controller)) return undefined;
  return { prefix, scopes: controllerScopes(controller, sub) };
}

function controllerScopes(controller: string, sub: string | undefined): readonly string[] {
  const lower = controller.toLowerCase();
  if (lower === "identitydeletionprocess") return ["debug:identityDeletionProcess"];
  const direction = sub?.toLowerCase();
  if (lower === "requests" && (direction === "incoming" || direction === "outgoing"))
    return ["core:requests", `core:requests:${direction}`];
  return [`core:${controller.charAt(0).toLowerCase()}${controller.slice(1)}`];
}
