import { describe, expect, it } from "vitest";
import { createRecentLookups } from "./recent-lookups.ts";

function deferred() {
  let resolve: (value: string) => void = () => undefined;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
}

describe("createRecentLookups", () => {
  it("lets a caller join a lookup asked recently enough instead of asking again", async () => {
    const lookups = createRecentLookups<string>();
    const asked = deferred();
    let calls = 0;
    const lookUp = () => (calls++, asked.promise);
    const first = lookups.lookUp("a", Date.now() - 1000, lookUp);
    const second = lookups.lookUp("a", Date.now() - 1000, lookUp);
    expect([first.isJoined, second.isJoined, calls]).toEqual([false, true, 1]);
    asked.resolve("answer");
    expect(await second.answer).toBe("answer");
  });

  it("asks again when the lookup in flight was asked before `since`, or for another key", () => {
    const lookups = createRecentLookups<string>();
    const pending = () => deferred().promise;
    lookups.lookUp("a", 0, pending);
    expect(lookups.lookUp("a", Date.now() + 1, pending).isJoined).toBe(false);
    expect(lookups.lookUp("b", 0, pending).isJoined).toBe(false);
  });

  it("forgets a lookup once it answered or failed", async () => {
    const lookups = createRecentLookups<string>();
    await lookups.lookUp("a", 0, async () => "done").answer;
    await lookups.lookUp("b", 0, () => Promise.reject(new Error("down"))).answer.catch(() => undefined);
    expect(lookups.lookUp("a", 0, async () => "again").isJoined).toBe(false);
    expect(lookups.lookUp("b", 0, async () => "again").isJoined).toBe(false);
  });
});
