import type { Pool } from "pg";
import { withTransaction } from "../db/pool.ts";
import { destinationAllowance, shareSlots, type HoldReason } from "./allowance.ts";
import {
  lockDestinationsWithDueWork,
  pickDueDeliveries,
  pickDueLaneHeads,
  storeRateTokens,
} from "./claim-queries.ts";
import { leaseDeliveries, type ClaimedDelivery } from "./lease.ts";

export type ClaimOptions = {
  owner: string;
  /** Free slots of this process. */
  free: number;
  leaseSeconds: number;
};

/** The leased deliveries, and one hold per destination with due work that could start nothing. */
export type Claim = { deliveries: ClaimedDelivery[]; holds: HoldReason[] };

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
    const ids: string[] = [];
    for (const [index, load] of loads.entries()) {
      const share = shares.get(load.destinationId) ?? 0;
      if (share === 0) continue;
      const picked = load.ordered
        ? await pickDueLaneHeads(client, load.destinationId, share)
        : await pickDueDeliveries(client, load.destinationId, share);
      ids.push(...picked);
      const tokensNow = allowances[index]?.tokensNow;
      if (tokensNow !== undefined)
        await storeRateTokens(client, load.destinationId, tokensNow - picked.length);
    }
    const deliveries = await leaseDeliveries(client, {
      ids,
      owner: options.owner,
      leaseSeconds: options.leaseSeconds,
    });
    return { deliveries, holds: allowances.flatMap(({ heldBy }) => (heldBy ? [heldBy] : [])) };
  });
}
