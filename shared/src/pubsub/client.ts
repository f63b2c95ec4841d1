import { PubSub } from "@google-cloud/pubsub";

export type PubSubOptions = {
  /** Required with an emulator; without one, the client detects it (ADC, metadata server) if absent. */
  projectId?: string;
  /** `host:port` of the Pub/Sub emulator, e.g. `127.0.0.1:8085`. Absent means the real service. */
  emulatorHost?: string;
};

/**
 * Builds the one Pub/Sub client a service uses. With `emulatorHost` it talks plain gRPC to the emulator
 * (no credentials). Without it, the client uses Application Default Credentials; note that the library
 * itself still honours `PUBSUB_EMULATOR_HOST` from the environment in that case.
 */
export function createPubSub(options: PubSubOptions): PubSub {
  const { projectId, emulatorHost } = options;
  if (emulatorHost === undefined || emulatorHost === "") {
    return new PubSub(projectId ? { projectId } : {});
  }
  if (!projectId) {
    throw new Error(`a Pub/Sub project id is required with the emulator at ${emulatorHost}`);
  }
  // google-auth-library otherwise probes the GCE metadata server and prints a MetadataLookupWarning.
  process.env.METADATA_SERVER_DETECTION ??= "none";
  return new PubSub({ projectId, apiEndpoint: emulatorHost, emulatorMode: true });
}

const PERMISSION_DENIED = 7;

/**
 * Readiness probe: true when Pub/Sub answers within `timeoutMs` and the topic exists (a service cannot
 * publish to a missing topic). PERMISSION_DENIED also counts as ready: a least-privilege service account
 * (roles/pubsub.publisher or .subscriber only) may not read topic metadata, yet the service reached
 * Pub/Sub and authenticated. Never throws.
 */
export async function checkPubSub(pubsub: PubSub, topicName: string, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const probe = pubsub
    .topic(topicName)
    .getMetadata({ timeout: timeoutMs, retry: null })
    .then(
      () => true,
      (error: unknown) => (error as { code?: unknown }).code === PERMISSION_DENIED,
    );
  try {
    return await Promise.race([probe, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
