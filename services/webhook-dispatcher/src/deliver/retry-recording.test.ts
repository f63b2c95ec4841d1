import { describe, expect, it } from "vitest";
import { retryRecording } from "./retry-recording.ts";

describe("retryRecording", () => {
  it("tries again after each failure until the write succeeds", async () => {
    let calls = 0;
    const retries: number[] = [];
    const result = await retryRecording(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error("connection terminated");
        return "written";
      },
      (_error, attempt) => retries.push(attempt),
      [1, 1, 1],
    );
    expect(result).toBe("written");
    expect(retries).toStrictEqual([1, 2]);
  });

  it("throws the last error once the delays are used up", async () => {
    let calls = 0;
    const failing = retryRecording(
      async () => {
        calls += 1;
        throw new Error(`down ${calls}`);
      },
      () => {},
      [1, 1],
    );
    await expect(failing).rejects.toThrow("down 3");
  });
});
