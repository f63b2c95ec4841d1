import { AppError } from "@event-hub/shared";
import type { PubSub } from "@google-cloud/pubsub";
import type { Pool } from "pg";
import { describe, expect, it } from "vitest";
import { createSubscription } from "./manage-subscriptions.ts";

// How Pub/Sub's failures reach the caller. The provisioning itself is tested against the emulator
// (routes/subscriptions.int.test.ts); the emulator cannot be made to fail, so here a Pub/Sub whose
// every call throws the given error stands in for it.
function pubsubThrowing(code: number | undefined): PubSub {
  const error = Object.assign(new Error(`${code} FAILED: Pub/Sub said no`), { code });
  const fail = async () => {
    throw error;
  };
  return {
    createTopic: fail,
    topic: (name: string) => ({ name: `projects/p/topics/${name}`, createSubscription: fail }),
  } as unknown as PubSub;
}

async function createFailing(
  code: number | undefined,
  deadLetter?: { topic: string; maxDeliveryAttempts: number },
) {
  const deps = { db: {} as Pool, pubsub: pubsubThrowing(code), topicName: "events" };
  return createSubscription(deps, { name: "backend", triggers: ["a.b"], deadLetter }, null).then(
    () => expect.unreachable("created"),
    (error: unknown) => error as AppError,
  );
}

describe("createSubscription when Pub/Sub fails", () => {
  it.each([
    ["UNAVAILABLE", 14],
    ["PERMISSION_DENIED", 7],
    ["DEADLINE_EXCEEDED", 4],
    ["a non-gRPC error", undefined],
  ])("%s is the documented 502", async (_name, code) => {
    const error = await createFailing(code);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ statusCode: 502, code: "error.hub.pubsubUnavailable" });
    expect(error.message).not.toContain("Pub/Sub said no"); // a 5xx shows no internals
  });

  it("INVALID_ARGUMENT is a 400 naming the cause", async () => {
    const error = await createFailing(3);
    expect(error).toMatchObject({ statusCode: 400, code: "error.hub.validation" });
    expect(error.message).toMatch(/^body: .*Pub\/Sub said no/);
  });

  it("ALREADY_EXISTS is a 409", async () => {
    expect(await createFailing(6)).toMatchObject({ statusCode: 409, code: "error.hub.subscriptionExists" });
  });

  it("maps a failure to create the dead-letter topic the same way, naming the topic", async () => {
    const deadLetter = { topic: "dead", maxDeliveryAttempts: 5 };
    expect(await createFailing(14, deadLetter)).toMatchObject({ statusCode: 502 });
    const invalid = await createFailing(3, deadLetter);
    expect(invalid).toMatchObject({ statusCode: 400 });
    expect(invalid.message).toMatch(/^body\/deadLetter\/topic: /);
  });
});
