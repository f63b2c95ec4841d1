import { describe, expect, it } from "vitest";
import { routeContractProblems } from "./route-contract.ts";

const complete = {
  method: "GET",
  url: "/v1/things/:id",
  schema: {
    tags: ["things"],
    summary: "Read a thing",
    params: {},
    response: { 200: { examples: [{ result: {} }] }, 400: {}, 401: {}, 403: {}, 404: {}, 429: {} },
  },
  config: { scope: "things:read" },
};

describe("routeContractProblems", () => {
  it("accepts a complete route and ignores routes outside /v1", () => {
    expect(routeContractProblems(complete)).toEqual([]);
    expect(routeContractProblems({ method: "GET", url: "/health" })).toEqual([]);
  });

  it("reports a route without a schema", () => {
    expect(routeContractProblems({ ...complete, schema: undefined })).toEqual([
      "GET /v1/things/:id has no schema",
    ]);
  });

  it("reports each missing declaration", () => {
    const problems = routeContractProblems({
      method: "GET",
      url: "/v1/things/:id",
      schema: { params: {}, response: { 200: {} } },
    });
    expect(problems).toEqual([
      "GET /v1/things/:id has no tags",
      "GET /v1/things/:id has no summary",
      "GET /v1/things/:id declares no scope",
      "GET /v1/things/:id has no example for 200",
      "GET /v1/things/:id does not document 401",
      "GET /v1/things/:id does not document 403",
      "GET /v1/things/:id does not document 429",
      "GET /v1/things/:id does not document 400",
      "GET /v1/things/:id does not document 404",
    ]);
  });

  it("wants an example on each 2xx that has a body", () => {
    const response = { ...complete.schema.response, 200: {}, 204: { type: "null" } };
    expect(routeContractProblems({ ...complete, schema: { ...complete.schema, response } })).toEqual([
      "GET /v1/things/:id has no example for 200",
    ]);
  });

  it("wants a body schema on POST, PUT and PATCH, except on a wildcard (proxy) route", () => {
    const schema = { ...complete.schema, response: { ...complete.schema.response, 201: { example: {} } } };
    expect(routeContractProblems({ ...complete, method: ["POST", "PUT"], schema })).toEqual([
      "POST,PUT /v1/things/:id has no body schema",
    ]);
    expect(routeContractProblems({ ...complete, method: "PATCH", schema: { ...schema, body: {} } })).toEqual(
      [],
    );
    expect(
      routeContractProblems({ ...complete, method: "POST", url: "/v1/things/:id/api/*", schema }),
    ).toEqual([]);
  });
});
