import { describe, expect, it } from "vitest";
import { checkHeaderName, checkStaticHeaders } from "./static-headers.ts";

const messageOf = (run: () => void) => {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

describe("checkStaticHeaders", () => {
  it.each([
    ["plain text", "a-value"],
    ["empty", ""],
    ["tab and space", "a\tb c"],
    ["every visible ASCII character", "!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~"],
    ["obs-text (Latin-1, as Node sends it)", "Grüße"],
  ])("accepts %s", (_name, value) => {
    expect(messageOf(() => checkStaticHeaders({ "X-Foo": value }, "headers"))).toBeUndefined();
  });

  it.each([
    ["CR LF (header injection)", "a\r\nX-Injected: 1"],
    ["LF", "a\nb"],
    ["CR", "a\rb"],
    ["NUL", "a\u0000b"],
    ["another control character", "a\u0007b"],
    ["DEL", "a\u007Fb"],
    ["a character above U+00FF", "a\u2028b"],
    ["an emoji", "🙂"],
  ])("refuses %s with a 400 naming the header", (_name, value) => {
    const message = messageOf(() => checkStaticHeaders({ ok: "fine", "X-Foo": value }, "targets/t1/headers"));
    expect(message).toMatch(
      /^body\/targets\/t1\/headers\/X-Foo is not a valid HTTP header value: CR, LF, NUL/,
    );
  });

  it.each([
    "webhook-id",
    "Webhook-Signature",
    "WEBHOOK-TIMESTAMP",
    "Host",
    "content-length",
    "Transfer-Encoding",
  ])("refuses %s, which the hub sets itself", (name) => {
    expect(messageOf(() => checkStaticHeaders({ [name]: "x" }, "headers"))).toBe(
      `body/headers/${name} names the header "${name}", which the hub sets itself; it cannot be configured`,
    );
  });

  it("accepts any other token as a name, as the Connector does", () => {
    const headers = { x_tenant: "a", "X-Api-Key": "b", "content-type": "text/plain", "!#$%&'*+.^_`|~": "c" };
    expect(messageOf(() => checkStaticHeaders(headers, "headers"))).toBeUndefined();
  });
});

describe("checkHeaderName", () => {
  it("refuses an ApiKey header name the hub sets itself, naming the field", () => {
    expect(messageOf(() => checkHeaderName("webhook-signature", "authentication/headerName"))).toMatch(
      /^body\/authentication\/headerName names the header "webhook-signature"/,
    );
    expect(messageOf(() => checkHeaderName("x-api-key", "authentication/headerName"))).toBeUndefined();
  });
});
