import { Agent, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import type { RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TEST_ADMIN_KEY, type TestHarness } from "../../test/build-test-app.ts";

type Route = { method: string; url: string; path: string; hasBody: boolean };
type Answer = { status: number; code: string | undefined; message: string | undefined };

/** Path parameters other than `id` get a value their schema accepts (as route-matrix.int.test.ts). */
const OTHER_PARAMS: Record<string, string> = { name: "Version", "*": "v2/Messages" };

/**
 * Spellings of a canonical `/v1/<resource>/…` path, each with what the router makes of it (app.ts
 * `routerOptions`): percent-encoded characters are decoded, so those reach the canonical route;
 * every other alias is a 404. Either way auth is the matched route's: never 2xx without a key.
 */
type Variant = {
  name: string;
  spell(path: string): string;
  reachesRoute: boolean;
  /** Instead of 404, the spelling may reach the route one `/:param` longer (empty parameter). */
  emptyParamSibling?: boolean;
};

const VARIANTS: Variant[] = [
  { name: "encoded letter /%761/", spell: (p) => p.replace(/^\/v1/, "/%761"), reachesRoute: true },
  { name: "encoded digit /v%31/", spell: (p) => p.replace(/^\/v1/, "/v%31"), reachesRoute: true },
  { name: "lower-case hex /%76%31/", spell: (p) => p.replace(/^\/v1/, "/%76%31"), reachesRoute: true },
  { name: "encoded resource letter", spell: (p) => p.replace(/^\/v1\/(.)/, encodeFirst), reachesRoute: true },
  { name: "double-encoded /%25761/", spell: (p) => p.replace(/^\/v1/, "/%25761"), reachesRoute: false },
  { name: "double-encoded /v%2531/", spell: (p) => p.replace(/^\/v1/, "/v%2531"), reachesRoute: false },
  { name: "upper case /V1/", spell: (p) => p.replace(/^\/v1/, "/V1"), reachesRoute: false },
  { name: "encoded upper case /%561/", spell: (p) => p.replace(/^\/v1/, "/%561"), reachesRoute: false },
  {
    name: "mixed-case resource",
    spell: (p) => p.replace(/^\/v1\/(.)/, (_m, c: string) => `/v1/${c.toUpperCase()}`),
    reachesRoute: false,
  },
  { name: "dot segment /v1/./", spell: (p) => p.replace(/^\/v1\//, "/v1/./"), reachesRoute: false },
  { name: "leading dot segment /./v1/", spell: (p) => `/.${p}`, reachesRoute: false },
  { name: "dot-dot /v1/x/../", spell: (p) => p.replace(/^\/v1\//, "/v1/x/../"), reachesRoute: false },
  { name: "encoded dot /v1/%2e/", spell: (p) => p.replace(/^\/v1\//, "/v1/%2e/"), reachesRoute: false },
  {
    name: "encoded dot-dot /v1/x/%2e%2e/",
    spell: (p) => p.replace(/^\/v1\//, "/v1/x/%2e%2e/"),
    reachesRoute: false,
  },
  { name: "encoded slash /v1%2f", spell: (p) => p.replace(/^\/v1\//, "/v1%2f"), reachesRoute: false },
  { name: ";param on /v1", spell: (p) => p.replace(/^\/v1/, "/v1;x=1"), reachesRoute: false },
  {
    name: ";param on the resource",
    spell: (p) => p.replace(/^(\/v1\/[^/]+)/, "$1;x=1"),
    reachesRoute: false,
  },
  { name: "leading //", spell: (p) => `/${p}`, reachesRoute: false },
  { name: "duplicate slash /v1//", spell: (p) => p.replace(/^\/v1\//, "/v1//"), reachesRoute: false },
  { name: "trailing slash", spell: (p) => `${p}/`, reachesRoute: false, emptyParamSibling: true },
];

function encodeFirst(_match: string, letter: string): string {
  return `/v1/%${letter.charCodeAt(0).toString(16).toUpperCase()}`;
}

/**
 * Every /v1 route (taken from the app's own route table, so a new route is covered the day it is
 * added) in every spelling of contracts.md "Gateway auth": without a key 401 or 404 in the
 * envelope; with a key lacking the scope 403 naming the same route, or 404; with the admin key the
 * canonical route's answer, or 404. Sent over a socket, since app.inject normalises the URL.
 */
describe("/v1 routes in every URL spelling get the canonical route's auth decision or 404", () => {
  let harness: TestHarness;
  let routes: Route[];
  let origin: { host: string; port: number };
  let noScopeKey: string;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });

  beforeAll(async () => {
    harness = await buildTestApp();
    await harness.app.listen({ port: 0, host: "127.0.0.1" });
    origin = { host: "127.0.0.1", port: (harness.app.server.address() as AddressInfo).port };
    noScopeKey = await harness.keyWith("nothing:useful");
    routes = harness.app.registeredRoutes
      .filter((route) => route.url.startsWith("/v1/"))
      .flatMap((route) => [route.method].flat().map((method) => toRoute(route, method)));
  });
  afterAll(async () => {
    agent.destroy();
    await harness.close();
  });

  const send = (route: Route, path: string, key: string | null): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const body = route.hasBody ? JSON.stringify({ unexpectedField: 1 }) : undefined; // never creates anything
      const headers: Record<string, string> = key === null ? {} : { "x-api-key": key };
      if (body) headers["content-type"] = "application/json";
      const outgoing = httpRequest({ ...origin, agent, method: route.method, path, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          const error = route.method === "HEAD" || !text.startsWith("{") ? undefined : JSON.parse(text).error;
          resolve({ status: response.statusCode ?? 0, code: error?.code, message: error?.message });
        });
      });
      outgoing.on("error", reject);
      outgoing.end(body);
    });

  const name = (route: Route, path: string) => `${route.method} ${path} (route ${route.url})`;
  // The proxy decides its scope on the forwarded path; a path it will not forward (a trailing slash
  // is an empty segment) is a 400 for any valid key, since no Connector scope can be read from it.
  const isProxyPathRefusal = (answer: Answer, target: string) =>
    target.endsWith("/api/*") &&
    answer.status === 400 &&
    (answer.code === "error.hub.proxy.invalidPath" || answer.code === undefined); // HEAD: no body
  const isRouteNotFound = (answer: Answer, route: Route) =>
    answer.status === 404 && (route.method === "HEAD" || answer.code === "error.hub.http.routeDoesNotExist");

  it("answers a malformed encoding or an over-long segment in the envelope, before any route", async () => {
    const route: Route = { method: "GET", url: "", path: "", hasBody: false };
    for (const [path, status] of [
      ["/%zz1/connectors", 400],
      ["/v1/connectors/%E0%A4%A", 400],
      [`/v1/connectors/${"a".repeat(200)}`, 414],
    ] as const) {
      const answer = await send(route, path, null);
      expect(answer.status, path).toBe(status);
      expect(answer.code, path).toMatch(/^error\.hub\.http\./);
    }
  });

  it("covers every route of the OpenAPI document", async () => {
    const document = (await harness.app.inject({ url: "/docs/json" })).json();
    const documented = Object.entries(document.paths as Record<string, object>).flatMap(
      ([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const tested = new Set(routes.map((route) => `${route.method} ${openApiPath(route.url)}`));
    expect(documented.length).toBeGreaterThan(30);
    expect(documented.filter((operation) => !tested.has(operation))).toEqual([]);
  });

  /**
   * Which route the spelling reaches: the canonical one, none (404), or — for a trailing slash —
   * the route one `/:param` longer with an empty parameter (`/v1/keys/` is `/v1/keys/:id`), or the
   * proxy's wildcard itself, whose `*` takes the slash.
   */
  const reached = (variant: Variant, route: Route): string | undefined => {
    if (variant.reachesRoute) return route.url;
    if (!variant.emptyParamSibling) return undefined;
    if (route.url.endsWith("*")) return route.url;
    const sibling = new RegExp(`^${escape(route.url)}/:[A-Za-z]+$`);
    return routes.find((other) => other.method === route.method && sibling.test(other.url))?.url;
  };

  it.each(VARIANTS)(
    "$name: no key → 401 or 404, a key without the scope → 403 naming the route or 404",
    async (variant) => {
      for (const route of routes) {
        const path = variant.spell(route.path);
        const what = name(route, path);
        expect(path, `${variant.name} changes ${route.path}`).not.toBe(route.path);
        const target = reached(variant, route);
        const [anonymous, unscoped] = [await send(route, path, null), await send(route, path, noScopeKey)];
        if (target === undefined) {
          expect(isRouteNotFound(anonymous, route), `${what}: ${JSON.stringify(anonymous)}`).toBe(true);
          expect(isRouteNotFound(unscoped, route), `${what}: ${JSON.stringify(unscoped)}`).toBe(true);
          continue;
        }
        expect(anonymous.status, what).toBe(401);
        if (isProxyPathRefusal(unscoped, target)) continue;
        expect(unscoped.status, what).toBe(403);
        if (route.method === "HEAD") continue; // no body to read
        expect(anonymous.code, what).toBe("error.hub.unauthorized");
        expect(unscoped.message, what).toMatch(new RegExp(`for ${route.method} ${escape(target)}$`));
      }
    },
  );

  it.each(VARIANTS)("$name: the admin key gets the canonical route's answer, or 404", async (variant) => {
    for (const route of routes) {
      const path = variant.spell(route.path);
      const what = name(route, path);
      const target = reached(variant, route);
      const canonical = await send(route, route.path, TEST_ADMIN_KEY);
      const aliased = await send(route, path, TEST_ADMIN_KEY);
      expect(canonical.status, name(route, route.path)).toBeLessThan(500);
      if (target === undefined) {
        expect(isRouteNotFound(aliased, route), `${what}: ${JSON.stringify(aliased)}`).toBe(true);
      } else if (target !== route.url) {
        expect(aliased.status, what).toBe(400); // the empty parameter fails its pattern
      } else if (variant.reachesRoute) {
        const answer = { status: aliased.status, code: aliased.code };
        expect(answer, what).toEqual({ status: canonical.status, code: canonical.code });
      } else {
        expect(aliased.status, what).toBeLessThan(500); // the proxy's `*` with a trailing slash
      }
    }
  });
});

function toRoute(route: RouteOptions, method: string): Route {
  const schema = (route.schema ?? {}) as {
    params?: { properties?: { id?: { examples?: string[] } } };
    body?: unknown;
  };
  const id = schema.params?.properties?.id?.examples?.[0] ?? "";
  const path = route.url.replace(/:([A-Za-z]+)|\*$/g, (param, paramName?: string) =>
    paramName === "id" ? id : (OTHER_PARAMS[paramName ?? "*"] ?? param),
  );
  const wildcardWrite = route.url.endsWith("*") && ["POST", "PUT", "PATCH"].includes(method);
  return { method, url: route.url, path, hasBody: schema.body !== undefined || wildcardWrite };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z]+)/g, "{$1}").replace(/\*$/, "{path}");
}
