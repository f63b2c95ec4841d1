import { type LeaseRef } from "@event-hub/shared";
import type { SendResult } from "./send-result.ts";

/** What a delivery's work sees of its lease. */
export type DeliveryLease = {
  /** Aborted when the lease is lost or about to run out unrenewed: the request in flight must stop. */
  readonly signal: AbortSignal;
  /** True while no other claim can hold the lease. Checked just before a request leaves. */
  isHeld(): boolean;
};

/** A lease of one unit of work (a delivery, or every delivery of a batch) while it is in flight. */
export type HeldLease = DeliveryLease & { release(): void };

/** The work did not start: the lease was lost before the request would have left. No attempt. */
export type NotSent = { kind: "not_sent"; reason: string };

export const LEASE_LOST_BEFORE_SEND: NotSent = {
  kind: "not_sent",
  reason: "the lease was lost before the request left",
};

/** A request the lease's loss aborted says so (it may well have reached the receiver). */
export function abortedByLease(result: SendResult, lease: DeliveryLease): SendResult {
  if (result.kind !== "failure" || !lease.signal.aborted) return result;
  const reason = lease.signal.reason instanceof Error ? lease.signal.reason.message : "the lease was lost";
  return { ...result, failure: "lease_lost", message: `aborted in flight: ${reason}` };
}

export type LeaseKeeper = {
  /** Keeps `leases` (claimed when `clock()` read `claimedAtMs`, before the claim) until released. */
  hold(leases: readonly LeaseRef[], claimedAtMs: number): HeldLease;
  /** Stops renewing; leases still held then run out by themselves. */
  stop(): void;
};

/** Renews the given leases in one statement; resolves the ids still held. */
export type RenewLeases = (leases: readonly LeaseRef[]) => Promise<Set<string>>;

export type LeaseKeeperOptions = {
  leaseSeconds: number;
  renew: RenewLeases;
  onRenewFailed?: (error: unknown) => void;
  clock?: () => number;
};

type Entry = {
  refs: readonly LeaseRef[];
  validUntilMs: number;
  controller: AbortController;
  timer?: ReturnType<typeof setTimeout>;
};

/**
 * How a lease outlives the work however long it takes, while staying short enough that a killed
 * worker's deliveries are due again within seconds:
 *
 * - Every `leaseSeconds / 4` ONE statement renews the leases of everything this process has in
 *   flight. A lease found lost (taken over, or the delivery finished or parked meanwhile) aborts its
 *   work at once.
 * - Locally a lease counts as held until its last known end — measured from before the claim or
 *   renewal was sent, so never later than the end Postgres stored — minus a tenth of the lease. At
 *   that point, renewed or not (Postgres unreachable), the work is aborted: no request of this worker
 *   is still open when another claim can take the delivery. So no delivery is sent twice at once.
 */
export function createLeaseKeeper(options: LeaseKeeperOptions): LeaseKeeper {
  const clock = options.clock ?? (() => performance.now());
  const leaseMs = options.leaseSeconds * 1000;
  const usableMs = leaseMs - leaseMs / 10;
  const held = new Set<Entry>();
  let isRenewing = false;

  const lose = (entry: Entry, reason: string) => {
    clearTimeout(entry.timer);
    if (!entry.controller.signal.aborted) entry.controller.abort(new Error(reason));
  };
  const holdUntil = (entry: Entry, validUntilMs: number) => {
    entry.validUntilMs = validUntilMs;
    clearTimeout(entry.timer);
    entry.timer = setTimeout(
      () => lose(entry, "the lease ran out before it could be renewed"),
      Math.max(0, validUntilMs - clock()),
    );
    entry.timer.unref();
  };

  const renewAll = async () => {
    if (isRenewing || held.size === 0) return;
    isRenewing = true;
    const entries = [...held].filter((entry) => !entry.controller.signal.aborted);
    const sentAtMs = clock();
    try {
      const renewed = await options.renew(entries.flatMap((entry) => entry.refs));
      for (const entry of entries) {
        if (!held.has(entry) || entry.controller.signal.aborted) continue;
        if (entry.refs.every((ref) => renewed.has(ref.id))) holdUntil(entry, sentAtMs + usableMs);
        else lose(entry, "the lease was taken over");
      }
    } catch (error) {
      // Each lease still ends at its last known end, and its work is aborted then.
      options.onRenewFailed?.(error);
    } finally {
      isRenewing = false;
    }
  };
  // Not the shared periodic task: renewals keep a fixed rate from the start (a slow renewal does not
  // push the next slot later), a failure is reported through `onRenewFailed`, not a logger, and
  // stop() must not wait for a renewal hanging on an unreachable database.
  const ticker = setInterval(() => void renewAll(), leaseMs / 4);
  ticker.unref();

  return {
    hold(refs, claimedAtMs) {
      const entry: Entry = { refs, validUntilMs: 0, controller: new AbortController() };
      holdUntil(entry, claimedAtMs + usableMs);
      held.add(entry);
      return {
        signal: entry.controller.signal,
        isHeld: () => !entry.controller.signal.aborted && clock() < entry.validUntilMs,
        release() {
          held.delete(entry);
          clearTimeout(entry.timer);
        },
      };
    },
    stop() {
      clearInterval(ticker);
    },
  };
}
