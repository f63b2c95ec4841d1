import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHub, type TestHub } from "../e2e/hub.ts";
import { rawRequest } from "./raw-http.ts";
import { urlVariants } from "./url-variants.ts";

// Issue 11 found the per-key rate limit skipped by the same spellings that skipped auth
// (`/%761/…`): once a key has spent its burst, no spelling of a route may still answer 2xx.

const BURST = 20;

describe("gateway: a key over its rate limit gets no answer under another spelling", () => {
  let hub: TestHub;
  let key = "";
  const get = (path: string) =>
    rawRequest({ baseUrl: hub.services.urls.apiGateway, method: "GET", path, headers: { "x-api-key": key } });

  beforeAll(async () => {
    hub = await startHub({ extraEnv: { RATE_LIMIT_BURST: String(BURST), RATE_LIMIT_PER_SECOND: "0.01" } });
    key = (await hub.api("POST", "/v1/keys", { name: "limited rate", scopes: ["events:read"] })).json.result
      .key;
  });

  afterAll(async () => {
    await hub?.services.stop();
  });

  it("spends the burst on /v1/events, then every spelling is 429 or 404", async () => {
    const statuses: number[] = [];
    for (let call = 0; call <= BURST; call += 1) statuses.push((await get("/v1/events")).status);
    expect(statuses.at(-1), statuses.join(",")).toBe(429);
    const answered: string[] = [];
    for (const variant of urlVariants("/v1/events")) {
      const answer = await get(variant.path);
      if (answer.status !== 429 && answer.status !== 404) answered.push(`${variant.path} → ${answer.status}`);
    }
    expect(answered).toEqual([]);
  });
});
