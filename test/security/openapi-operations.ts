/**
 * The gateway's operations as its own OpenAPI document (GET /docs/json of the running gateway)
 * lists them, so the matrix covers a route the day it is added, with no hand-kept list.
 */

export type Operation = {
  method: string;
  /** As documented: `/v1/connectors/{id}/api/{path}` */
  template: string;
  pathParams: Array<{ name: string; example: unknown }>;
  /** The documented example of the JSON body, `{}` when the body has none; undefined: no body. */
  bodyExample: unknown;
  /** False only for operations documented as open (`security: []`). */
  needsKey: boolean;
};

type OpenApiSchema = { example?: unknown; enum?: unknown[]; anyOf?: OpenApiSchema[] };
type OpenApiOperation = {
  parameters?: Array<{ in: string; name: string; schema?: OpenApiSchema; example?: unknown }>;
  requestBody?: { content?: Record<string, { schema?: OpenApiSchema; example?: unknown }> };
  security?: unknown[];
};
type OpenApiDocument = { security?: unknown[]; paths: Record<string, Record<string, OpenApiOperation>> };

const METHODS = ["get", "post", "put", "patch", "delete"];

export async function fetchOperations(gatewayUrl: string): Promise<Operation[]> {
  const response = await fetch(`${gatewayUrl}/docs/json`);
  if (response.status !== 200) throw new Error(`GET /docs/json answered ${response.status}`);
  const document = (await response.json()) as OpenApiDocument;
  const globalSecurity = document.security ?? [];
  return Object.entries(document.paths).flatMap(([template, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        template,
        pathParams: (operation.parameters ?? [])
          .filter((parameter) => parameter.in === "path")
          .map((parameter) => ({ name: parameter.name, example: exampleOf(parameter) })),
        bodyExample: bodyExampleOf(operation),
        needsKey: (operation.security ?? globalSecurity).length > 0,
      })),
  );
}

function exampleOf(parameter: { schema?: OpenApiSchema; example?: unknown }): unknown {
  const schema = parameter.schema ?? {};
  return parameter.example ?? schema.example ?? schema.enum?.[0] ?? schema.anyOf?.[0]?.enum?.[0];
}

function bodyExampleOf(operation: OpenApiOperation): unknown {
  const json = operation.requestBody?.content?.["application/json"];
  if (!operation.requestBody) return undefined;
  return json?.example ?? json?.schema?.example ?? {};
}

/**
 * The concrete path of an operation: `{id}` gets the real id of its collection's resource
 * (`/v1/webhooks/{id}` → the test's webhook), others the documented example.
 */
export function concretePath(operation: Operation, idsByCollection: Record<string, string>): string {
  const collection = operation.template.split("/")[2] ?? "";
  return operation.template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (name === "id" && idsByCollection[collection]) return idsByCollection[collection];
    const example = operation.pathParams.find((parameter) => parameter.name === name)?.example;
    if (name === "path") return typeof example === "string" ? example : "v2/Messages";
    if (example === undefined) throw new Error(`${operation.template}: no example for {${name}}`);
    return String(example);
  });
}
