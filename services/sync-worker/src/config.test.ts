import { ConfigError } from "@event-hub/shared";
import { describe, expect, it } from "vitest";
import { loadSyncWorkerConfig } from "./config.ts";

const required = {
  DATABASE_URL: "postgres://localhost/hub",
  SECRETS_KEY: Buffer.alloc(32).toString("base64"),
};

describe("loadSyncWorkerConfig", () => {
  it("accepts the defaults: a sync times out (20 s) well within its lease (30 s)", () => {
    const config = loadSyncWorkerConfig(required);
    expect(config.SYNC_TIMEOUT_MS).toBeLessThan(config.SYNC_LEASE_SECONDS * 1000);
  });

  it("refuses a sync timeout that could outlast the lease, naming both variables", () => {
    const load = () =>
      loadSyncWorkerConfig({ ...required, SYNC_LEASE_SECONDS: "10", SYNC_TIMEOUT_MS: "10000" });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/SYNC_TIMEOUT_MS \(10000\) must be below SYNC_LEASE_SECONDS \(10 s\)/);
  });

  it("refuses a headers timeout longer than the request timeout", () => {
    const load = () =>
      loadSyncWorkerConfig({ ...required, HTTP_REQUEST_TIMEOUT_MS: "5000", HTTP_HEADERS_TIMEOUT_MS: "6000" });
    expect(load).toThrow(/HTTP_HEADERS_TIMEOUT_MS \(6000\) must not exceed HTTP_REQUEST_TIMEOUT_MS \(5000\)/);
  });

  it("takes addresses and CIDRs as trusted proxies and refuses anything else", () => {
    const proxies = "35.191.0.0/16, 130.211.0.0/22,203.0.113.9,2001:db8::/32";
    expect(loadSyncWorkerConfig({ ...required, TRUSTED_PROXIES: proxies }).TRUSTED_PROXIES).toStrictEqual([
      "35.191.0.0/16",
      "130.211.0.0/22",
      "203.0.113.9",
      "2001:db8::/32",
    ]);
    for (const bad of ["lb.example.com", "10.0.0.0/33", "10.0.0.1/8/1"]) {
      expect(() => loadSyncWorkerConfig({ ...required, TRUSTED_PROXIES: bad })).toThrow(
        /TRUSTED_PROXIES item/,
      );
    }
  });
});
