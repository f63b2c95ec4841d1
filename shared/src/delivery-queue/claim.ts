import type { Pool } from "pg";
import { withTransaction } from "../db/pool.ts";
import { destinationAllowance, shareSlots, type HoldReason } from "./allowance.ts";
import type { BreakerTransition } from "./breaker-state.ts";
import {
  lockDestinationsWithDueWork,
  pickDueLaneHeads,
  recordHalfOpen,
  storeRateTokens,
} from "./claim-queries.ts";
import { leaseDeliveries, leaseDueDeliveries, type ClaimedDelivery } from "./lease.ts";

export type ClaimOptions = {
  owner: string;
  /** Free slots of this process. */
  free: number;
  leaseSeconds: number;
};

/**
 * The leased deliveries, one hold per destination with due work that could start nothing, and the
 * breakers that let their first probes go in this claim (open → half-open). `isDrained`: it took
 * all the due work it found, none was held and no ordered destination was among it — so a delivery
 * of this process finishing cannot make more claimable; only new work (NOTIFY) or time can.
 */
export type Claim = {
  deliveries: ClaimedDelivery[];
  holds: HoldReason[];
  transitions: BreakerTransition[];
  isDrained: boolean;
};

/**
 * Claims due work in one transaction: lock the destinations that have due work (skipping those
 * another replica is claiming for), work out each one's allowance (breaker, in-flight limit, probe,
 * rate limit), share this process's free slots round-robin, pick due deliveries (lane heads for
 * ordered destinations), and lease them. A held delivery (rate limited, breaker open, limit reached)
 * simply stays due: waiting costs it no attempt.
 */
export async function claimDeliveries(db: Pool, options: ClaimOptions): Promise<Claim> {
  return withTransaction(db, async (client) => {
    const loads = await lockDestinationsWithDueWork(client);
    const allowances = loads.map(destinationAllowance);
    const shares = shareSlots(allowances, options.free);
    const leased: ClaimedDelivery[] = [];
    const laneHeads: string[] = [];
    const transitions: BreakerTransition[] = [];
    const { owner, leaseSeconds } = options;
    // Drained until a destination is ordered (a finished lane head lets the next go), held, or out
    // of slots or got its full share (more may be due).
    let isDrained = loads.every((load) => !load.ordered);
    for (const [index, load] of loads.entries()) {
      const share = shares.get(load.destinationId) ?? 0;
      if (share === 0) {
        isDrained = false;
        continue;
      }
      // Unordered (the common case): picked and leased in one statement. Lane heads are leased
      // together at the end.
      let picked: number;
      if (load.ordered) {
        const heads = await pickDueLaneHeads(client, load.destinationId, share);
        laneHeads.push(...heads);
        picked = heads.length;
      } else {
        const due = await leaseDueDeliveries(client, {
          destinationId: load.destinationId,
          limit: share,
          owner,
          leaseSeconds,
        });
        leased.push(...due);
        picked = due.length;
      }
      if (picked === share) isDrained = false;
      if (load.isProbing && !load.isHalfOpenRecorded && picked > 0) {
        const probes = await recordHalfOpen(client, load.destinationId);
        if (probes !== undefined)
          transitions.push({ destinationId: load.destinationId, from: "open", to: "half_open", probes });
      }
      const tokensNow = allowances[index]?.tokensNow;
      if (tokensNow !== undefined) await storeRateTokens(client, load.destinationId, tokensNow - picked);
    }
    const deliveries = [
      ...leased,
      ...(await leaseDeliveries(client, { ids: laneHeads, owner, leaseSeconds })),
    ];
    const holds = allowances.flatMap(({ heldBy }) => (heldBy ? [heldBy] : []));
    return { deliveries, holds, transitions, isDrained };
  });
}
