import { describe, expect, it } from "vitest";
import { routeContractProblems } from "./route-contract.ts";

const complete = {
  method: "GET",
  url: "/v1/things/:id",
  schema: {
    tags: ["things"],
    summary: "Read a thing",
    params: {},
    response: { 200: {}, 400: {}, 401: {}, 403: {}, 404: {}, 429: {} },
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
      "GET /v1/things/:id does not document 401",
      "GET /v1/things/:id does not document 403",
      "GET /v1/things/:id does not document 429",
      "GET /v1/things/:id does not document 400",
      "GET /v1/things/:id does not document 404",
    ]);
  });
});
