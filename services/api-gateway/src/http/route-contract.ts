/**
 * What every /v1 route must declare, so the OpenAPI document is complete and auth fails closed:
 * tags and a summary, a success (with an example when it has a body) and the error responses its
 * inputs can cause, a scope, and a body schema on every POST, PUT and PATCH (a route without one
 * would accept any body unchecked) — except a wildcard route such as the Core API proxy, whose
 * bodies stream through unparsed.
 * Checked over every registered route by `openapi.int.test.ts`.
 */
export type RouteDeclaration = {
  method: string | string[];
  url: string;
  schema?: {
    hide?: boolean;
    tags?: unknown;
    summary?: unknown;
    params?: unknown;
    querystring?: unknown;
    body?: unknown;
    response?: Record<string, unknown>;
  };
  config?: { scope?: unknown; public?: unknown };
};

export function routeContractProblems(route: RouteDeclaration): string[] {
  if (!route.url.startsWith("/v1/")) return [];
  const name = `${[route.method].flat().join(",")} ${route.url}`;
  const schema = route.schema;
  if (!schema) return [`${name} has no schema`];
  const problems: string[] = [];
  if (schema.hide) problems.push(`${name} is hidden from the OpenAPI document`);
  if (!schema.tags) problems.push(`${name} has no tags`);
  if (!schema.summary) problems.push(`${name} has no summary`);
  const isPublic = route.config?.public === true;
  if (route.config?.scope === undefined && !isPublic) problems.push(`${name} declares no scope`);
  const statuses = Object.keys(schema.response ?? {});
  const successes = statuses.filter((status) => status.startsWith("2"));
  if (successes.length === 0) problems.push(`${name} has no success response`);
  for (const status of successes) {
    const response = schema.response?.[status] as ResponseSchema | undefined;
    if (response?.type !== "null" && !hasExample(response))
      problems.push(`${name} has no example for ${status}`);
  }
  const writes = [route.method].flat().some((method) => ["POST", "PUT", "PATCH"].includes(method));
  if (writes && !schema.body && !route.url.endsWith("*")) problems.push(`${name} has no body schema`);
  const needed = isPublic ? [] : ["401", "403", "429"];
  if (schema.params || schema.querystring || schema.body) needed.push("400");
  if (schema.params) needed.push("404");
  for (const status of needed) {
    if (!statuses.includes(status)) problems.push(`${name} does not document ${status}`);
  }
  return problems;
}

type ResponseSchema = { type?: unknown; examples?: unknown; example?: unknown };

function hasExample(schema: ResponseSchema | undefined): boolean {
  return (Array.isArray(schema?.examples) && schema.examples.length > 0) || schema?.example !== undefined;
}
