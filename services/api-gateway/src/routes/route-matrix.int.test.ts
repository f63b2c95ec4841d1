import type { RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";

type Schema = {
  examples?: unknown[];
  properties?: Record<string, Schema>;
  enum?: unknown[];
  anyOf?: Schema[];
  const?: unknown;
};
type Route = {
  method: string;
  url: string;
  params?: Schema;
  querystring?: Schema;
  body?: Schema;
};

/** Path parameters other than `id` get a value their schema accepts. */
const OTHER_PARAMS: Record<string, string> = { name: "Version", "*": "v2/Messages" };
const MALFORMED_ID = "bad!id";
const UNKNOWN_PROPERTY = "unexpectedField";

/**
 * Validation errors and 404 on every /v1 route, driven by the registered routes (401 and 403 are
 * in openapi.int.test.ts): a new route is covered the day it is added.
 */
describe("every /v1 route answers bad input with 400 naming the field, unknown ids with 404", () => {
  let harness: TestHarness;
  let routes: Route[];
  beforeAll(async () => {
    harness = await buildTestApp();
    await harness.app.ready();
    routes = harness.app.registeredRoutes
      .filter((route) => route.url.startsWith("/v1/"))
      .flatMap((route) => [route.method].flat().map((method) => toRoute(route, method)))
      .filter((route) => route.method !== "HEAD");
  });
  afterAll(() => harness.close());

  const urlOf = (route: Route, id: string) =>
    route.url.replace(/:([A-Za-z]+)|\*$/g, (param, name?: string) =>
      name === "id" ? id : (OTHER_PARAMS[name ?? "*"] ?? param),
    );
  /** The body a request to this route carries: its schema's example, or `{}` when it has none. */
  const bodyOf = (route: Route) => (route.body ? (route.body.examples?.[0] ?? {}) : undefined);
  const send = (route: Route, url: string, payload: unknown) =>
    harness.call({
      method: route.method as "POST",
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const expectError = (
    response: Awaited<ReturnType<TestHarness["call"]>>,
    route: Route,
    status: number,
    code: string | RegExp,
  ) => {
    const name = `${route.method} ${route.url}: ${response.body}`;
    expect(response.statusCode, name).toBe(status);
    expect(response.json().error, name).toMatchObject({ id: expect.stringMatching(/^ERR/), code });
    return response.json().error.message as string;
  };

  it("a malformed id is a 400 naming params/id", async () => {
    const withId = routes.filter((route) => route.params?.properties?.id);
    expect(withId.length).toBeGreaterThan(20);
    for (const route of withId) {
      const response = await send(route, urlOf(route, MALFORMED_ID), bodyOf(route));
      expect(expectError(response, route, 400, "error.hub.validation"), route.url).toContain("params/id");
    }
  });

  it("a well-formed unknown id is a 404 in the envelope (the proxy's unknown Connector too)", async () => {
    const withId = routes.filter((route) => route.params?.properties?.id);
    for (const route of withId) {
      const id = route.params?.properties?.id?.examples?.[0];
      expect(typeof id, `${route.url} has an example id`).toBe("string");
      const response = await send(route, urlOf(route, id as string), bodyOf(route));
      expectError(response, route, 404, /NotFound$/);
    }
    expect(withId.map((route) => `${route.method} ${route.url}`)).toContain("PUT /v1/connectors/:id/api/*");
  });

  it("an unknown body property is a 400 naming it", async () => {
    const withBody = routes.filter((route) => route.body);
    expect(withBody.length).toBeGreaterThan(10);
    for (const route of withBody) {
      const id = route.params?.properties?.id?.examples?.[0] as string | undefined;
      const payload = { ...(bodyOf(route) as object), [UNKNOWN_PROPERTY]: 1 };
      const response = await send(route, urlOf(route, id ?? ""), payload);
      const message = expectError(response, route, 400, "error.hub.validation");
      expect(message, route.url).toContain("body");
      expect(message, route.url).toContain(UNKNOWN_PROPERTY);
    }
  });

  it("a text/plain body to a JSON route is a 415", async () => {
    for (const route of routes.filter((candidate) => candidate.body)) {
      const id = route.params?.properties?.id?.examples?.[0] as string | undefined;
      const response = await harness.call({
        method: route.method as "POST",
        url: urlOf(route, id ?? ""),
        headers: { "content-type": "text/plain" },
        payload: "hello",
      });
      expectError(response, route, 415, "error.hub.http.unsupportedMediaType");
    }
  });

  it("an unknown query parameter is a 400 naming it", async () => {
    const withQuery = routes.filter((route) => route.querystring);
    expect(withQuery.length).toBeGreaterThan(5);
    for (const route of withQuery) {
      const response = await send(route, `${urlOf(route, "")}?${UNKNOWN_PROPERTY}=1`, bodyOf(route));
      const message = expectError(response, route, 400, "error.hub.validation");
      expect(message, route.url).toContain("querystring");
      expect(message, route.url).toContain(UNKNOWN_PROPERTY);
    }
  });

  it("a value outside a fixed set (enum, union of literals) is a 400 with one sentence naming the allowed values", async () => {
    const cases = routes.flatMap((route) =>
      (["querystring", "body"] as const).flatMap((part) =>
        Object.entries(route[part]?.properties ?? {}).flatMap(([name, schema]) => {
          const allowed = allowedValuesOf(schema);
          return allowed ? [{ route, part, name, allowed }] : [];
        }),
      ),
    );
    expect(cases.map(({ route, part, name }) => `${route.method} ${route.url} ${part}/${name}`)).toEqual(
      expect.arrayContaining(["GET /v1/deliveries querystring/status", "POST /v1/connectors body/apiPrefix"]),
    );
    for (const { route, part, name, allowed } of cases) {
      const id = route.params?.properties?.id?.examples?.[0] as string | undefined;
      const url = urlOf(route, id ?? "");
      const response =
        part === "querystring"
          ? await send(route, `${url}?${name}=bogus`, bodyOf(route))
          : await send(route, url, { ...(bodyOf(route) as object), [name]: "bogus" });
      expect(expectError(response, route, 400, "error.hub.validation"), `${route.url} ${name}`).toBe(
        `${part}/${name} must be one of: ${allowed.join(", ")}`,
      );
    }
  });

  it("names the routes that take no input at all, so cannot answer 400 (none today)", () => {
    const withoutInput = routes.filter((route) => !route.params && !route.querystring && !route.body);
    expect(withoutInput.map((route) => `${route.method} ${route.url}`)).toEqual([]);
  });
});

/** The values a property's schema allows when it is a fixed set: an enum or a union of literals. */
function allowedValuesOf(schema: Schema): unknown[] | undefined {
  if (schema.enum) return schema.enum;
  const literals = schema.anyOf?.map((branch) => branch.const);
  return literals && literals.every((value) => value !== undefined) ? literals : undefined;
}

function toRoute(route: RouteOptions, method: string): Route {
  const schema = (route.schema ?? {}) as Omit<Route, "method" | "url">;
  return {
    method,
    url: route.url,
    params: schema.params,
    querystring: schema.querystring,
    body: schema.body,
  };
}
