import type { BatchDestinationConfig, ClaimedDelivery, SecretBox } from "@event-hub/shared";
import { LEASE_LOST_BEFORE_SEND, type DeliveryLease, type NotSent } from "../../deliver/lease-keeper.ts";
import type { SendResult } from "../../deliver/send-result.ts";
import { openSigningSecrets } from "../signing-secrets.ts";
import type { Sender } from "../webhook/send.ts";
import { prepareBatchRequest } from "./batch-request.ts";

export type BatchTarget = {
  id: string;
  config: BatchDestinationConfig;
  timeoutMs: number;
  sealedSecrets: string[];
};

/**
 * Batch destination (webhooks v1): the sender that takes N deliveries in ONE POST, signed with the
 * destination's secrets. Nothing leaves unless the lease of the whole claim is held; the POST is
 * aborted if it is lost in flight.
 */
export async function sendBatch(
  deps: { sender: Sender; secrets: SecretBox },
  deliveries: ClaimedDelivery[],
  target: BatchTarget,
  lease: DeliveryLease,
): Promise<SendResult | NotSent> {
  const opened = openSigningSecrets(deps.secrets, target);
  if (!opened.ok) return opened.failure;
  if (!lease.isHeld()) return LEASE_LOST_BEFORE_SEND;
  const request = prepareBatchRequest(
    deliveries,
    target.config,
    opened.secrets,
    new Date(),
    target.timeoutMs,
  );
  return deps.sender.send({ ...request, signal: lease.signal });
}
