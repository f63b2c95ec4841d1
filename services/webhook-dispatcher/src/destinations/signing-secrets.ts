import { signingSecretSealing, type SecretBox } from "@event-hub/shared";
import { configFailure, type SendResult } from "../deliver/send-result.ts";

export type OpenedSecrets = { ok: true; secrets: string[] } | { ok: false; failure: SendResult };

/**
 * Opens a destination's sealed signing secrets (webhook and batch sign the same way). A secret that
 * does not open is the stored destination's fault: a config failure, before anything is sent.
 */
export function openSigningSecrets(
  box: SecretBox,
  target: { id: string; sealedSecrets: string[] },
): OpenedSecrets {
  try {
    const secrets = target.sealedSecrets.map((sealed) => box.open(sealed, signingSecretSealing(target.id)));
    return { ok: true, secrets };
  } catch (error) {
    return {
      ok: false,
      failure: configFailure(`a signing secret cannot be opened: ${(error as Error).message}`),
    };
  }
}
