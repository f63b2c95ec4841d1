import { type LeaseRef } from "@event-hub/shared";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { abortedByLease, createLeaseKeeper, type LeaseKeeper } from "./lease-keeper.ts";

const ref = (id: string): LeaseRef => ({ id, leaseToken: `token-${id}` });

describe("lease keeper", () => {
  let keeper: LeaseKeeper | undefined;
  let calls: string[][];
  let answer: (refs: readonly LeaseRef[]) => Promise<Set<string>>;
  const start = (leaseSeconds = 4) =>
    (keeper = createLeaseKeeper({
      leaseSeconds,
      clock: () => Date.now(),
      renew: (refs) => {
        calls.push(refs.map((r) => r.id));
        return answer(refs);
      },
    }));

  beforeEach(() => {
    vi.useFakeTimers();
    calls = [];
    answer = async (refs) => new Set(refs.map((r) => r.id));
  });
  afterEach(() => {
    keeper?.stop();
    vi.useRealTimers();
  });

  it("renews every lease in flight in one call per quarter lease, so work outlives the first lease", async () => {
    const leases = start(4);
    const single = leases.hold([ref("a")], Date.now());
    const batch = leases.hold([ref("b"), ref("c")], Date.now());

    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toStrictEqual([["a", "b", "c"]]);
    await vi.advanceTimersByTimeAsync(19_000); // five leases long
    expect(calls).toHaveLength(20);
    expect(single.isHeld()).toBe(true);
    expect(batch.isHeld()).toBe(true);
    expect(single.signal.aborted).toBe(false);

    single.release();
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls.at(-1)).toStrictEqual(["b", "c"]);
  });

  it("aborts the work of a lease found lost (any one of a batch's), and keeps the others", async () => {
    const leases = start(4);
    const kept = leases.hold([ref("a")], Date.now());
    const batch = leases.hold([ref("b"), ref("c")], Date.now());
    answer = async () => new Set(["a", "b"]);

    await vi.advanceTimersByTimeAsync(1000);
    expect(batch.signal.aborted).toBe(true);
    expect(batch.isHeld()).toBe(false);
    expect((batch.signal.reason as Error).message).toBe("the lease was taken over");
    expect(kept.isHeld()).toBe(true);
  });

  it("when renewing fails, holds a lease until just before its end, then aborts its work", async () => {
    const leases = start(10);
    const lease = leases.hold([ref("a")], Date.now());
    answer = () => Promise.reject(new Error("database unreachable"));

    await vi.advanceTimersByTimeAsync(8_900);
    expect(lease.isHeld()).toBe(true);
    // A tenth of the lease before the end Postgres stored: no request of this worker is still open.
    await vi.advanceTimersByTimeAsync(200);
    expect(lease.isHeld()).toBe(false);
    expect((lease.signal.reason as Error).message).toBe("the lease ran out before it could be renewed");
  });

  it("counts a lease from before its claim was sent, not from when the work started", async () => {
    const leases = start(10);
    const claimedAt = Date.now();
    await vi.advanceTimersByTimeAsync(5_000); // a slow claim; nothing to renew yet
    const lease = leases.hold([ref("a")], claimedAt);
    answer = () => Promise.reject(new Error("database unreachable"));
    await vi.advanceTimersByTimeAsync(4_100);
    expect(lease.isHeld()).toBe(false);
  });
});

describe("abortedByLease", () => {
  const failure = { kind: "failure", failure: "timeout", message: "aborted", durationMs: 5 } as const;
  it("names a request aborted by the lease's loss; leaves other results alone", () => {
    const lost = new AbortController();
    lost.abort(new Error("the lease was taken over"));
    const lease = { signal: lost.signal, isHeld: () => false };
    expect(abortedByLease(failure, lease)).toStrictEqual({
      ...failure,
      failure: "lease_lost",
      message: "aborted in flight: the lease was taken over",
    });
    const held = { signal: new AbortController().signal, isHeld: () => true };
    expect(abortedByLease(failure, held)).toBe(failure);
    const response = { kind: "response", status: 200, headers: {}, body: "", durationMs: 1 } as const;
    expect(abortedByLease(response, lease)).toBe(response);
  });
});
