import { describe, expect, it } from "vitest";
import { isV1Path, outsideV1Problem, v1RouteProblem } from "./route-access.ts";

const route = (config: object | undefined, url = "/v1/things") => ({ method: "GET", url, config });

describe("v1RouteProblem", () => {
  it.each([
    { config: { scope: "things:read" } },
    { config: { scope: ["core:requests", "core:requests:incoming"] } },
    { config: { scope: () => "core:messages" } },
    { config: { public: true } },
  ])("accepts $config", ({ config }) => {
    expect(v1RouteProblem(route(config))).toBeUndefined();
  });

  it.each([
    { config: undefined, problem: "declares no scope and is not marked public" },
    { config: {}, problem: "declares no scope and is not marked public" },
    { config: { public: false }, problem: "declares no scope and is not marked public" },
    { config: { scope: "" }, problem: "empty or malformed scope" },
    { config: { scope: [] }, problem: "empty or malformed scope" },
    { config: { scope: 7 }, problem: "empty or malformed scope" },
    { config: { scope: "a:b", public: true }, problem: "choose one" },
    { config: { public: true, idempotent: true }, problem: "public and idempotent" },
  ])("refuses $config", ({ config, problem }) => {
    expect(v1RouteProblem(route(config))).toContain(problem);
  });

  it("refuses a route of the plugin outside /v1/", () => {
    expect(v1RouteProblem(route({ scope: "a:b" }, "/health"))).toContain("not under /v1/");
  });
});

describe("outsideV1Problem", () => {
  it("refuses /v1 routes in any case outside the plugin and ignores the rest", () => {
    for (const url of ["/v1/things", "/V1/things", "/v1"])
      expect(outsideV1Problem(route({}, url))).toBeDefined();
    for (const url of ["/health", "/docs/json", "/v10/x", "/v1x"]) {
      expect(outsideV1Problem(route({}, url))).toBeUndefined();
      expect(isV1Path(url)).toBe(false);
    }
  });
});
