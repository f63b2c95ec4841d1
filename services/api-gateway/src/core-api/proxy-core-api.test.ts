import { describe, expect, it } from "vitest";
import { connectorUrl } from "./proxy-core-api.ts";

describe("connectorUrl", () => {
  it.each([
    ["http://c:8080", ["api", "v2", "Messages"], "", "http://c:8080/api/v2/Messages"],
    ["http://c:8080/", ["api", "v2", "Messages"], "a=1&b=2", "http://c:8080/api/v2/Messages?a=1&b=2"],
    ["https://h/prefix/", ["api", "core", "v1", "Files"], "", "https://h/prefix/api/core/v1/Files"],
    ["http://c", ["health"], "", "http://c/health"],
    ["http://c", ["api", "v2", "Attributes", "a/b?c#d"], "", "http://c/api/v2/Attributes/a%2Fb%3Fc%23d"],
    ["http://c", ["api", "v2", "Messages", "x"], "q=#frag", "http://c/api/v2/Messages/x?q=%23frag"],
  ])("%s + %j ?%s → %s", (baseUrl, segments, query, url) => {
    expect(connectorUrl(baseUrl, segments, query)).toBe(url);
  });

  it.each([[["api", "..", "sim"]], [["api", "."]], [["..", "sim"]]])(
    "never builds a URL outside the first segment: %j",
    (segments) => {
      expect(() => connectorUrl("http://c/base", segments, "")).toThrow(/not allowed/);
    },
  );
});
