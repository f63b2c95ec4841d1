import { isIPv6 } from "node:net";

/**
 * Counts failed ingest credentials per client address in fixed windows: after `maxFailures` in one
 * window the address is refused (429) until the window ends, so a stranger cannot guess credentials
 * or Connector ids at line speed. Successes are never counted: a Connector posting many events is
 * not slowed by this.
 *
 * Written here rather than using @fastify/rate-limit: that plugin counts every request in its own
 * hook and has no way to count only the ones whose credential failed, which is the whole point here
 * (an address is judged by its failures, not by its traffic).
 *
 * Memory is bounded: at most `maxAddresses` entries; expired windows are dropped as they come to the
 * front, and when full the oldest window (the one closest to its end) makes room. IPv6 addresses
 * are counted per /64, the block one subscriber usually holds, so rotating addresses within it does
 * not reset the count.
 */
export type FailedCredentialLimiter = {
  /** Whole seconds until the address may present a credential again; 0 when it may now. */
  retryAfterSeconds(address: string, nowMs: number): number;
  recordFailure(address: string, nowMs: number): void;
};

export type FailedCredentialLimits = {
  maxFailures: number;
  windowMs: number;
  /** Default 10,000: about 1 MB, far more addresses than fail in one window without an attack. */
  maxAddresses?: number;
};

type Window = { startedAt: number; failures: number };

export function createFailedCredentialLimiter(limits: FailedCredentialLimits): FailedCredentialLimiter {
  // Insertion order = window start order: a new window is always re-inserted at the end.
  const windows = new Map<string, Window>();
  const current = (key: string, nowMs: number): Window | undefined => {
    const window = windows.get(key);
    return window && nowMs - window.startedAt < limits.windowMs ? window : undefined;
  };
  const dropExpired = (nowMs: number) => {
    for (const [key, window] of windows) {
      if (nowMs - window.startedAt < limits.windowMs) return;
      windows.delete(key);
    }
  };
  return {
    retryAfterSeconds(address, nowMs) {
      const window = current(clientKey(address), nowMs);
      if (!window || window.failures < limits.maxFailures) return 0;
      return Math.max(1, Math.ceil((window.startedAt + limits.windowMs - nowMs) / 1000));
    },
    recordFailure(address, nowMs) {
      const key = clientKey(address);
      const window = current(key, nowMs);
      if (window) {
        window.failures += 1;
        return;
      }
      windows.delete(key);
      dropExpired(nowMs);
      if (windows.size >= (limits.maxAddresses ?? 10_000)) {
        const oldest = windows.keys().next();
        if (!oldest.done) windows.delete(oldest.value);
      }
      windows.set(key, { startedAt: nowMs, failures: 1 });
    },
  };
}

/** IPv4 (also IPv4-mapped IPv6) as is; other IPv6 by its first 64 bits. */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(":")}::/64`;
}

function expandIPv6(address: string): string[] {
  const [head = "", tail] = address.split("%")[0]!.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill("0"), ...right].map((group) =>
    group.includes(".") ? group : (parseInt(group, 16) || 0).toString(16),
  );
}
