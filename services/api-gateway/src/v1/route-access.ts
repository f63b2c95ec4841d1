/**
 * Deny by default, checked when a route is declared: every route of the /v1 plugin lies under
 * `/v1/` and declares either a scope or `public: true`; no route under `/v1` lives outside the
 * plugin (it would skip authentication). A violation throws from the onRoute hook, so buildApp
 * rejects and the service does not start.
 */

type DeclaredRoute = {
  method: string | string[];
  url: string;
  config?: { scope?: unknown; public?: unknown; idempotent?: unknown } | undefined;
};

const nameOf = (route: DeclaredRoute) => `${[route.method].flat().join(",")} ${route.url}`;

/** Case-insensitive, so `/V1/…` cannot be declared outside the plugin either. */
export function isV1Path(url: string): boolean {
  const lower = url.toLowerCase();
  return lower === "/v1" || lower.startsWith("/v1/");
}

/** What is wrong with a route declared inside the /v1 plugin; undefined when nothing. */
export function v1RouteProblem(route: DeclaredRoute): string | undefined {
  const name = nameOf(route);
  if (!route.url.startsWith("/v1/")) return `${name} is in the /v1 plugin but not under /v1/`;
  const scope = route.config?.scope;
  const isPublic = route.config?.public === true;
  const hasScope =
    typeof scope === "function" || (typeof scope === "string" && scope !== "") || isList(scope);
  if (scope !== undefined && !hasScope) return `${name} declares an empty or malformed scope`;
  if (hasScope && isPublic) return `${name} declares a scope and public: choose one`;
  if (!hasScope && !isPublic) return `${name} declares no scope and is not marked public`;
  if (isPublic && route.config?.idempotent === true) {
    return `${name} is public and idempotent: replays would be shared between anonymous callers`;
  }
  return undefined;
}

/** A route under /v1 declared outside the plugin would skip authentication. */
export function outsideV1Problem(route: DeclaredRoute): string | undefined {
  return isV1Path(route.url) ? `${nameOf(route)} is under /v1 but outside the /v1 plugin` : undefined;
}

function isList(scope: unknown): boolean {
  return (
    Array.isArray(scope) && scope.length > 0 && scope.every((one) => typeof one === "string" && one !== "")
  );
}
