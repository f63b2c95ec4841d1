import { AppError } from "@event-hub/shared";
import { describe, expect, it } from "vitest";
import { encodePath, forwardedPath } from "./forwarded-path.ts";

const PREFIX = "/v1/connectors/acme/api/";
const parse = (rest: string) => forwardedPath(`${PREFIX}${rest}`, 4);

describe("forwardedPath", () => {
  it.each([
    ["v2/Messages", ["v2", "Messages"], ""],
    ["v2/Messages?a=1&b=%2F..", ["v2", "Messages"], "a=1&b=%2F.."],
    ["v2/Attributes/ATT%3Ax", ["v2", "Attributes", "ATT:x"], ""],
    ["v2/Messages/MSG1;x", ["v2", "Messages", "MSG1;x"], ""],
    ["core/v1/Files/FIL.txt", ["core", "v1", "Files", "FIL.txt"], ""],
    ["v2/Files/...", ["v2", "Files", "..."], ""],
  ])("%s → %j", (rest, segments, query) => {
    expect(parse(rest)).toEqual({ segments, query });
  });

  // The traversal corpus: each is refused before the scope is decided.
  it.each([
    "v2/Messages/..",
    "v2/Messages/../Requests/Incoming",
    "v2/Messages/../../../sim/webhooks",
    "v2/Messages/./x",
    "v2/Messages/%2e%2e/Requests",
    "v2/Messages/%2E%2e/Requests",
    "v2/Messages/.%2E/Requests",
    "v2/Messages/%2e/x",
    "v2/Messages/..%2FRequests%2FIncoming",
    "v2/Messages/..%2fRequests",
    "v2/Messages/%252e%252e/Requests",
    "v2/Messages/%252E%252E%252FRequests",
    "v2/Messages/..%5cRequests",
    "v2/Messages/..%5CRequests",
    "v2/Messages/..%255cRequests",
    "v2/Messages/..\\Requests",
    "v2/Messages\\..\\..\\sim",
    "v2//Messages",
    "v2/Messages/",
    "/v2/Messages",
    "v2/Messages/%00",
    "v2/Messages/a%0d%0aHost:x",
    "v2/Messages/%7f",
    "v2/Messages/%",
    "v2/Messages/%zz",
    "v2/Messages/%c0%ae%c0%ae",
    "v2/Messages#/../../sim",
    "",
  ])("refuses %j with error.hub.proxy.invalidPath", (rest) => {
    let error: unknown;
    try {
      parse(rest);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "error.hub.proxy.invalidPath", statusCode: 400 });
  });
});

describe("encodePath", () => {
  it("encodes each segment on its own, so none can become a separator again", () => {
    expect(encodePath(["api", "v2", "Attributes", "a b/c?d#e"])).toBe("api/v2/Attributes/a%20b%2Fc%3Fd%23e");
  });
});
