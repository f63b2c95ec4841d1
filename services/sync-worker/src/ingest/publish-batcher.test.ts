import type { EncodedEvent } from "@event-hub/shared";
import { describe, expect, it } from "vitest";
import { createPublishBatcher, type PublishBatchingOptions } from "./publish-batcher.ts";

const options: PublishBatchingOptions = {
  maxMessages: 3,
  maxBytes: 1000,
  maxMilliseconds: 1,
  maxOutstanding: 2,
};

function message(key: string, n: number, bytes = 10): EncodedEvent {
  return { data: Buffer.alloc(bytes, n), attributes: {}, orderingKey: key };
}

/** A Publish RPC that answers when told to, and remembers what each call carried. */
function manualRpc() {
  const calls: Array<{ messages: EncodedEvent[]; answer: () => void; fail: (error: Error) => void }> = [];
  const rpc = (messages: EncodedEvent[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({
        messages,
        answer: () => resolve(messages.map((m) => `${m.orderingKey}-${m.data[0]}`)),
        fail: reject,
      });
    });
  const shapes = () => calls.map((call) => call.messages.map((m) => `${m.orderingKey}-${m.data[0]}`));
  return { rpc, calls, shapes };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("createPublishBatcher", () => {
  it("carries the messages of many ordering keys in one RPC and answers each with its id", async () => {
    const { rpc, calls, shapes } = manualRpc();
    const batcher = createPublishBatcher(rpc, options);
    const ids = [batcher.publish(message("a", 1)), batcher.publish(message("b", 1))];
    await tick();
    expect(shapes()).toEqual([["a-1", "b-1"]]);
    calls[0]?.answer();
    expect(await Promise.all(ids)).toEqual(["a-1", "b-1"]);
  });

  it("keeps a key out of a second RPC while its first is in flight, so its order holds", async () => {
    const { rpc, calls, shapes } = manualRpc();
    const batcher = createPublishBatcher(rpc, options);
    const first = batcher.publish(message("a", 1));
    await tick();
    const later = [batcher.publish(message("a", 2)), batcher.publish(message("b", 1))];
    await tick();
    // b may go beside a's first RPC; a's second message waits for that RPC's answer.
    expect(shapes()).toEqual([["a-1"], ["b-1"]]);
    calls[0]?.answer();
    await first;
    await tick();
    expect(shapes()[2]).toEqual(["a-2"]);
    calls[1]?.answer();
    calls[2]?.answer();
    expect(await Promise.all(later)).toEqual(["a-2", "b-1"]);
  });

  it("sends what waited at once when an RPC answers (no wait for company then)", async () => {
    const { rpc, calls, shapes } = manualRpc();
    const batcher = createPublishBatcher(rpc, { ...options, maxOutstanding: 1, maxMilliseconds: 60_000 });
    void batcher.publish(message("a", 1));
    void batcher.publish(message("a", 2));
    void batcher.publish(message("b", 1));
    // A full batch goes without waiting for the timer.
    expect(shapes()).toEqual([["a-1", "a-2", "b-1"]]);
    void batcher.publish(message("c", 1));
    calls[0]?.answer();
    await tick();
    expect(shapes()[1]).toEqual(["c-1"]);
  });

  it("splits at maxMessages and maxBytes, and sends a message larger than maxBytes alone", async () => {
    const { rpc, calls, shapes } = manualRpc();
    const batcher = createPublishBatcher(rpc, { ...options, maxOutstanding: 10 });
    void batcher.publish(message("a", 1, 600));
    void batcher.publish(message("b", 1, 600));
    void batcher.publish(message("c", 1, 2000));
    void batcher.publish(message("d", 1));
    void batcher.publish(message("e", 1));
    void batcher.publish(message("f", 1));
    void batcher.publish(message("g", 1));
    await tick();
    expect(shapes()).toEqual([["a-1"], ["b-1"], ["c-1"], ["d-1", "e-1", "f-1"], ["g-1"]]);
    for (const call of calls) call.answer();
  });

  it("fails the waiting messages of a failed RPC's keys too, and lets other keys go on", async () => {
    const { rpc, calls, shapes } = manualRpc();
    const batcher = createPublishBatcher(rpc, { ...options, maxOutstanding: 1 });
    const a1 = batcher.publish(message("a", 1));
    await tick();
    const a2 = batcher.publish(message("a", 2));
    const b1 = batcher.publish(message("b", 1));
    calls[0]?.fail(new Error("unavailable"));
    await expect(a1).rejects.toThrow("unavailable");
    // a-2 must not reach Pub/Sub ahead of a-1, which the caller now stores in the outbox.
    await expect(a2).rejects.toThrow("unavailable");
    await tick();
    expect(shapes()[1]).toEqual(["b-1"]);
    calls[1]?.answer();
    expect(await b1).toBe("b-1");
  });

  it("flush settles once everything handed in is answered", async () => {
    const { rpc, calls } = manualRpc();
    const batcher = createPublishBatcher(rpc, { ...options, maxMilliseconds: 60_000 });
    const published = batcher.publish(message("a", 1));
    let isFlushed = false;
    const flushed = batcher.flush().then(() => (isFlushed = true));
    await tick();
    expect(isFlushed).toBe(false);
    calls[0]?.answer();
    await flushed;
    expect(await published).toBe("a-1");
    await batcher.flush(); // nothing left: settles at once
  });
});
