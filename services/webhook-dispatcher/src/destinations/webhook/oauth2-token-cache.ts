import { LRUCache } from "lru-cache";
import type { SendFailure } from "../../deliver/send-result.ts";
import type { Sender } from "./send.ts";

export type OAuth2ClientCredentials = {
  accessTokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
};

/**
 * Why no token: `ssrf_blocked` when the policy refused the token URL's address (recorded, and final,
 * like a refused webhook URL: waiting cannot change it), `auth` for anything else.
 */
export type TokenFailure = Extract<SendFailure, "auth" | "ssrf_blocked">;

export type TokenResult = { ok: true; token: string } | { ok: false; failure: TokenFailure; message: string };

export type TokenCache = {
  /** A valid access token, fetched when missing and refreshed before it expires. */
  get(key: string, credentials: OAuth2ClientCredentials, timeoutMs: number): Promise<TokenResult>;
  /** Forgets a token the target refused (401), so the next attempt fetches a new one. */
  invalidate(key: string): void;
  /** Tokens held now (expired ones are not counted). */
  size(): number;
};

type Entry = { token: string; expiresAtMs: number; refreshAtMs: number };

/**
 * Tokens kept at most: one per destination with OAuth2 (and per token URL and client id it had), so
 * a busy hub fits; beyond it the least recently used is dropped and fetched again when needed.
 */
const DEFAULT_MAX_TOKENS = 10_000;

/** Refresh when this share of a token's lifetime is left, but never later than 10 s before expiry. */
const REFRESH_EARLY_SHARE = 0.2;
const MIN_EARLY_MS = 10_000;
const DEFAULT_LIFETIME_S = 300;

/**
 * OAuth2 client credentials as the Connector's webhooks module does it — form POST with HTTP Basic
 * `clientId:clientSecret`, `grant_type=client_credentials` (+ scope) — with tokens cached per
 * destination, refreshed early, and concurrent refreshes coalesced. The token request goes through
 * the same SSRF-guarded sender as the webhooks.
 */
export function createTokenCache(
  sender: Sender,
  clock: () => number = Date.now,
  options: { maxTokens?: number } = {},
): TokenCache {
  // Bounded (least recently used out) and each token dropped when it expires, so destinations
  // deleted or re-keyed, and tokens no longer used, do not stay in memory for the process's life.
  const entries = new LRUCache<string, Entry>({
    max: options.maxTokens ?? DEFAULT_MAX_TOKENS,
    perf: { now: () => clock() },
    ttlResolution: 0, // read the clock on each check (it is cheap), never a cached time
  });
  // In-flight requests only: each removes itself when it settles.
  const pending = new Map<string, Promise<TokenResult>>();

  const refresh = (key: string, credentials: OAuth2ClientCredentials, timeoutMs: number) => {
    const running = pending.get(key);
    if (running) return running;
    const fetching = fetchToken(sender, credentials, timeoutMs, clock)
      .then((result) => {
        if (result.ok)
          entries.set(key, result.entry, { ttl: Math.max(1, result.entry.expiresAtMs - clock()) });
        return result.ok ? ({ ok: true, token: result.entry.token } as const) : result;
      })
      .finally(() => pending.delete(key));
    pending.set(key, fetching);
    return fetching;
  };

  return {
    async get(key, credentials, timeoutMs) {
      const entry = entries.get(key);
      const now = clock();
      if (entry && now < entry.refreshAtMs) return { ok: true, token: entry.token };
      const refreshed = await refresh(key, credentials, timeoutMs);
      // A failed early refresh still leaves a token that is valid for a while.
      if (!refreshed.ok && entry && clock() < entry.expiresAtMs) return { ok: true, token: entry.token };
      return refreshed;
    },
    invalidate: (key) => void entries.delete(key),
    size: () => {
      entries.purgeStale();
      return entries.size;
    },
  };
}

async function fetchToken(
  sender: Sender,
  credentials: OAuth2ClientCredentials,
  timeoutMs: number,
  clock: () => number,
): Promise<{ ok: true; entry: Entry } | Extract<TokenResult, { ok: false }>> {
  const form = new URLSearchParams({ grant_type: "client_credentials" });
  if (credentials.scope) form.set("scope", credentials.scope);
  // As the Connector sends it (axios `auth`): the credentials as they are, not form-encoded first as
  // RFC 6749 §2.3.1 asks. An identity provider that works with the Connector takes them like this; a
  // secret with `/`, `=` or `+` would be refused by one that does not decode them.
  const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString("base64");
  const result = await sender.send({
    url: credentials.accessTokenUrl,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
      authorization: `Basic ${basic}`,
    },
    body: form.toString(),
    timeoutMs,
  });
  if (result.kind === "failure")
    return {
      ok: false,
      failure: result.failure === "ssrf_blocked" ? "ssrf_blocked" : "auth",
      message: `token request ${result.failure}: ${result.message}`,
    };
  if (result.status !== 200)
    return { ok: false, failure: "auth", message: `token endpoint answered ${result.status}` };
  let parsed: { access_token?: unknown; expires_in?: unknown };
  try {
    parsed = JSON.parse(result.body) as typeof parsed;
  } catch {
    return { ok: false, failure: "auth", message: "token endpoint answered no JSON" };
  }
  if (typeof parsed.access_token !== "string" || parsed.access_token === "")
    return { ok: false, failure: "auth", message: "token endpoint answered no access_token" };
  const lifetimeMs =
    (typeof parsed.expires_in === "number" && parsed.expires_in > 0
      ? parsed.expires_in
      : DEFAULT_LIFETIME_S) * 1000;
  const now = clock();
  const earlyMs = Math.max(MIN_EARLY_MS, lifetimeMs * REFRESH_EARLY_SHARE);
  return {
    ok: true,
    entry: {
      token: parsed.access_token,
      expiresAtMs: now + lifetimeMs,
      refreshAtMs: now + Math.max(0, lifetimeMs - earlyMs),
    },
  };
}
