import { createSsrfPolicy } from "@event-hub/shared";
import { describe, expect, it } from "vitest";
import { createTokenCache, type OAuth2ClientCredentials } from "./oauth2-token-cache.ts";
import { createSender, type HttpRequest, type Sender } from "./send.ts";

const credentials: OAuth2ClientCredentials = {
  accessTokenUrl: "https://idp.example.com/token",
  clientId: "hub",
  clientSecret: "s",
};

/** A token endpoint that hands out tok-1, tok-2, … valid for `expiresInSeconds`. */
function tokenEndpoint(expiresInSeconds = 3600) {
  const requests: HttpRequest[] = [];
  const sender: Sender = {
    async send(request) {
      requests.push(request);
      const body = JSON.stringify({ access_token: `tok-${requests.length}`, expires_in: expiresInSeconds });
      return { kind: "response", status: 200, headers: {}, body, durationMs: 1 };
    },
    close: async () => undefined,
  };
  return { sender, requests };
}

const tokenOf = async (result: Promise<{ ok: boolean; token?: string }>) => (await result).token;

describe("createTokenCache", () => {
  it("reuses a token until it is due for refresh", async () => {
    let now = 1_000_000;
    const { sender, requests } = tokenEndpoint(100);
    const cache = createTokenCache(sender, () => now);
    expect(await tokenOf(cache.get("d1", credentials, 1000))).toBe("tok-1");
    now += 50_000;
    expect(await tokenOf(cache.get("d1", credentials, 1000))).toBe("tok-1");
    expect(requests).toHaveLength(1);
    now += 40_000; // 80 % of the lifetime gone: refreshed early
    expect(await tokenOf(cache.get("d1", credentials, 1000))).toBe("tok-2");
  });

  it("keeps at most maxTokens, dropping the least recently used", async () => {
    const { sender, requests } = tokenEndpoint();
    const cache = createTokenCache(sender, Date.now, { maxTokens: 2 });
    await cache.get("a", credentials, 1000);
    await cache.get("b", credentials, 1000);
    await cache.get("a", credentials, 1000); // a is now the most recently used
    await cache.get("c", credentials, 1000); // evicts b
    expect(requests).toHaveLength(3);
    expect(await tokenOf(cache.get("a", credentials, 1000))).toBe("tok-1");
    expect(await tokenOf(cache.get("c", credentials, 1000))).toBe("tok-3");
    expect(await tokenOf(cache.get("b", credentials, 1000))).toBe("tok-4"); // fetched again
  });

  it("holds a bounded number of tokens however many keys pass through", async () => {
    const { sender, requests } = tokenEndpoint();
    const cache = createTokenCache(sender, Date.now, { maxTokens: 100 });
    for (let i = 0; i < 1500; i++) await cache.get(`dest-${i}`, credentials, 1000);
    expect(requests).toHaveLength(1500);
    expect(cache.size()).toBe(100);
    // The last 100 are cached; the first was evicted long ago.
    expect(await tokenOf(cache.get("dest-1499", credentials, 1000))).toBe("tok-1500");
    expect(await tokenOf(cache.get("dest-0", credentials, 1000))).toBe("tok-1501");
  });

  it("drops a token once it has expired, even if never asked for again", async () => {
    let now = 1_000_000;
    const { sender, requests } = tokenEndpoint(60);
    const cache = createTokenCache(sender, () => now);
    await cache.get("d1", credentials, 1000);
    await cache.get("d2", credentials, 1000);
    expect(cache.size()).toBe(2);
    now += 59_000;
    expect(cache.size()).toBe(2);
    now += 2_000;
    expect(cache.size()).toBe(0);
    expect(await tokenOf(cache.get("d1", credentials, 1000))).toBe("tok-3");
    expect(requests).toHaveLength(3);
  });

  it("forgets a token the target refused", async () => {
    const { sender } = tokenEndpoint();
    const cache = createTokenCache(sender);
    await cache.get("d1", credentials, 1000);
    cache.invalidate("d1");
    expect(await tokenOf(cache.get("d1", credentials, 1000))).toBe("tok-2");
  });
});

describe("OAuth2 token URLs", () => {
  it.each(["http://127.0.0.1:9/token", "http://169.254.169.254/token", "http://[::ffff:10.0.0.1]/token"])(
    "go through the SSRF policy: %s is refused without SSRF_ALLOW, as ssrf_blocked",
    async (accessTokenUrl) => {
      const sender = createSender(createSsrfPolicy([]));
      const tokens = createTokenCache(sender);
      const result = await tokens.get("dst", { accessTokenUrl, clientId: "c", clientSecret: "s" }, 1000);
      sender.close();
      expect(result).toMatchObject({
        ok: false,
        failure: "ssrf_blocked",
        message: expect.stringContaining("token request ssrf_blocked"),
      });
    },
  );

  it("that are allowed but cannot be reached fail as auth", async () => {
    const sender = createSender(createSsrfPolicy(["127.0.0.0/8"]));
    const tokens = createTokenCache(sender);
    const credentials = { accessTokenUrl: "http://127.0.0.1:9/token", clientId: "c", clientSecret: "s" };
    const result = await tokens.get("dst", credentials, 1000);
    sender.close();
    expect(result).toMatchObject({ ok: false, failure: "auth" });
  });
});
