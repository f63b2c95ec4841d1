import { afterEach, describe, expect, it, vi } from "vitest";
import { createPubSub } from "./client.ts";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("createPubSub", () => {
  it("talks to the emulator without credentials and silences the metadata-server probe", async () => {
    vi.stubEnv("METADATA_SERVER_DETECTION", undefined);
    const pubsub = createPubSub({ projectId: "hub-test", emulatorHost: "127.0.0.1:8085" });
    expect(pubsub.isEmulator).toBe(true);
    expect(pubsub.options.servicePath).toBe("127.0.0.1");
    expect(pubsub.options.port).toBe(8085);
    expect(pubsub.projectId).toBe("hub-test");
    expect(process.env.METADATA_SERVER_DETECTION).toBe("none");
    await pubsub.close();
  });

  it("keeps a METADATA_SERVER_DETECTION that is already set", async () => {
    vi.stubEnv("METADATA_SERVER_DETECTION", "assume-present");
    const pubsub = createPubSub({ projectId: "hub-test", emulatorHost: "127.0.0.1:8085" });
    expect(process.env.METADATA_SERVER_DETECTION).toBe("assume-present");
    await pubsub.close();
  });

  it("requires a project id with the emulator", () => {
    expect(() => createPubSub({ emulatorHost: "127.0.0.1:8085" })).toThrow(
      "a Pub/Sub project id is required with the emulator at 127.0.0.1:8085",
    );
  });

  it("uses the real service without an emulator host", async () => {
    vi.stubEnv("PUBSUB_EMULATOR_HOST", undefined);
    vi.stubEnv("CLOUDSDK_API_ENDPOINT_OVERRIDES_PUBSUB", undefined);
    const pubsub = createPubSub({ projectId: "hub-prod" });
    expect(pubsub.isEmulator).toBe(false);
    expect(pubsub.projectId).toBe("hub-prod");
    await pubsub.close();
  });
});
