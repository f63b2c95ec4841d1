import {
  signingSecretSealing,
  type BatchDestinationConfig,
  type ClaimedDelivery,
  type SecretBox,
} from "@event-hub/shared";
import { LEASE_LOST_BEFORE_SEND, type DeliveryLease, type NotSent } from "../../deliver/lease-keeper.ts";
import type { SendResult } from "../../deliver/send-result.ts";
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
  let secrets: string[];
  try {
    secrets = target.sealedSecrets.map((sealed) =>
      deps.secrets.open(sealed, signingSecretSealing(target.id)),
    );
  } catch (error) {
    const message = `a signing secret cannot be opened: ${(error as Error).message}`;
    return { kind: "failure", failure: "config", message, durationMs: 0 };
  }
  if (!lease.isHeld()) return LEASE_LOST_BEFORE_SEND;
  const request = prepareBatchRequest(deliveries, target.config, secrets, new Date(), target.timeoutMs);
  return deps.sender.send({ ...request, signal: lease.signal });
}
