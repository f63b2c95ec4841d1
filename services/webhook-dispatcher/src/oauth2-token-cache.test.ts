import { createSsrfPolicy } from "@event-hub/shared";
import { describe, expect, it } from "vitest";
import { createTokenCache } from "./oauth2-token-cache.ts";
import { createSender } from "./send.ts";

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
