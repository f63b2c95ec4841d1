import SwaggerParser from "@apidevtools/swagger-parser";
import type { TSchema } from "typebox";
import { Value } from "typebox/value";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";
import { routeContractProblems, type RouteDeclaration } from "../http/route-contract.ts";

describe("OpenAPI document and the route contract", () => {
  let harness: TestHarness;
  let v1Routes: { method: string; url: string }[];
  beforeAll(async () => {
    harness = await buildTestApp();
    await harness.app.ready();
    v1Routes = harness.app.registeredRoutes
      .filter((route) => route.url.startsWith("/v1/"))
      .flatMap((route) => [route.method].flat().map((method) => ({ method, url: route.url })))
      .filter((route) => route.method !== "HEAD");
  });
  afterAll(() => harness.close());

  it("every /v1 route declares tags, summary, scope, success and error responses", () => {
    const problems = harness.app.registeredRoutes.flatMap((route) =>
      routeContractProblems(route as unknown as RouteDeclaration),
    );
    expect(problems).toEqual([]);
    expect(v1Routes.length).toBeGreaterThan(30);
  });

  it("serves a valid OpenAPI 3 document at /docs/json and /docs/yaml listing every route", async () => {
    const json = await harness.app.inject({ url: "/docs/json" });
    expect(json.statusCode).toBe(200);
    const document = json.json();
    await SwaggerParser.validate(structuredClone(document));
    const yaml = await harness.app.inject({ url: "/docs/yaml" });
    expect(parseYaml(yaml.body)).toEqual(document);
    for (const route of v1Routes) {
      const path = route.url.replace(/:([A-Za-z]+)/g, "{$1}").replace(/\*$/, "{path}");
      const operation = document.paths[path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${path} in the document`).toBeDefined();
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(["401", "403"]));
    }
    expect((await harness.app.inject({ url: "/docs" })).statusCode).toBeLessThan(400);
  });

  it("names every path parameter as a client generator can: the Core API proxy's wildcard is `path`", async () => {
    const document = (await harness.app.inject({ url: "/docs/json" })).json();
    const names = Object.entries(document.paths).flatMap(([template, item]) =>
      Object.values(item as Record<string, { parameters?: { in: string; name: string }[] }>).flatMap(
        (operation) =>
          (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => `${template} ${p.name}`),
      ),
    );
    expect(names.filter((name) => !/ [A-Za-z]+$/.test(name))).toEqual([]);
    expect(names).toContain("/v1/connectors/{id}/api/{path} path");
  });

  it("documents x-correlation-id (request and response), Idempotency-Key and Retry-After", async () => {
    const document = (await harness.app.inject({ url: "/docs/json" })).json();
    type Operation = {
      parameters?: { in: string; name: string }[];
      responses: Record<string, { headers?: Record<string, unknown> }>;
    };
    const headerNames = (operation: Operation) =>
      (operation.parameters ?? []).filter((p) => p.in === "header").map((p) => p.name);
    for (const route of v1Routes) {
      const path = route.url.replace(/:([A-Za-z]+)/g, "{$1}").replace(/\*$/, "{path}");
      const operation: Operation = document.paths[path][route.method.toLowerCase()];
      const name = `${route.method} ${path}`;
      expect(headerNames(operation), name).toContain("x-correlation-id");
      for (const [status, response] of Object.entries(operation.responses)) {
        expect(Object.keys(response.headers ?? {}), `${name} ${status}`).toContain("x-correlation-id");
      }
      expect(Object.keys(operation.responses["429"]?.headers ?? {}), name).toContain("retry-after");
    }
    const idempotent = harness.app.registeredRoutes.filter((route) => route.config?.idempotent);
    expect(idempotent.length).toBeGreaterThan(3);
    for (const route of idempotent) {
      expect(
        headerNames(document.paths[route.url.replace(/:([A-Za-z]+)/g, "{$1}")].post),
        route.url,
      ).toContain("idempotency-key");
    }
  });

  it("every success example matches its own response schema", () => {
    let checked = 0;
    for (const route of harness.app.registeredRoutes.filter((candidate) =>
      candidate.url.startsWith("/v1/"),
    )) {
      const responses = (route.schema?.response ?? {}) as Record<string, TSchema & { examples?: unknown[] }>;
      for (const [status, schema] of Object.entries(responses)) {
        for (const example of status.startsWith("2") ? (schema.examples ?? []) : []) {
          const errors = [...Value.Errors(schema, example)].map(
            (error) => `${error.instancePath} ${error.message}`,
          );
          expect(errors, `${route.url} ${status}`).toEqual([]);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  const concrete = (url: string) =>
    url.replace(":id", "whk_01J9ZQ3V4K6X8B2N5M7P9R1T3W").replace(/\*$/, "v2/Messages");

  it("answers 401 in the envelope on every /v1 route without a key or with a wrong one", async () => {
    for (const route of v1Routes) {
      for (const key of [null, "not-a-key"]) {
        const response = await harness.call({ method: route.method as "GET", url: concrete(route.url), key });
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
        expect(response.json().error).toMatchObject({
          code: "error.hub.unauthorized",
          id: expect.stringMatching(/^ERR/),
        });
      }
    }
  });

  it("answers 403 in the envelope on every /v1 route to a key without its scope", async () => {
    const key = await harness.keyWith("nothing:useful");
    for (const route of v1Routes) {
      const response = await harness.call({ method: route.method as "GET", url: concrete(route.url), key });
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(403);
      expect(response.json().error.code).toBe("error.hub.forbidden");
    }
  });

  it("leaves /health, /ready and /docs open", async () => {
    for (const url of ["/health", "/ready", "/docs/json"]) {
      expect((await harness.app.inject({ url })).statusCode, url).toBe(200);
    }
  });

  it("echoes a given x-correlation-id and generates one otherwise", async () => {
    const given = await harness.call({ url: "/v1/keys", headers: { "x-correlation-id": "corr-123" } });
    expect(given.headers["x-correlation-id"]).toBe("corr-123");
    const generated = await harness.call({ url: "/v1/keys" });
    expect(generated.headers["x-correlation-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});
