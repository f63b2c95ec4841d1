import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuardedFetch } from "./guarded-fetch.ts";
import { createSsrfPolicy, isSsrfBlocked } from "./ssrf-guard.ts";

describe("createGuardedFetch", () => {
  let server: Server;
  let port = 0;
  const paths: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      paths.push(request.url ?? "");
      if (request.url === "/redirect") {
        response.writeHead(302, { location: "http://169.254.169.254/latest" }).end();
      } else response.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it.each([
    `http://127.0.0.1:PORT/`,
    `http://localhost:PORT/`,
    `http://2130706433:PORT/`,
    `http://[::ffff:127.0.0.1]:PORT/`,
  ])("refuses %s without SSRF_ALLOW, before any byte is sent", async (template) => {
    const outbound = createGuardedFetch(createSsrfPolicy([]));
    const before = paths.length;
    const error: unknown = await outbound
      .fetch(template.replace("PORT", String(port)))
      .catch((e: unknown) => e);
    outbound.close();
    expect(isSsrfBlocked(error)).toBe(true);
    expect(paths.length).toBe(before);
  });

  it("reaches loopback when SSRF_ALLOW lists it, and returns a redirect instead of following it", async () => {
    const outbound = createGuardedFetch(createSsrfPolicy(["127.0.0.0/8", "::1"]));
    const plain = await outbound.fetch(`http://127.0.0.1:${port}/plain`);
    expect(await plain.text()).toBe("ok");
    const redirected = await outbound.fetch(`http://localhost:${port}/redirect`);
    expect(redirected.status).toBe(302);
    expect(paths).not.toContain("/latest");
    outbound.close();
  });

  it("refuses other protocols", async () => {
    const outbound = createGuardedFetch(createSsrfPolicy([]));
    await expect(outbound.fetch("data:text/plain,hi")).rejects.toThrow(/only http and https/);
    outbound.close();
  });
});
