import { describe, expect, it } from "vitest";
import { readRestartPolicy, restartDelayMs, supervise, type Supervised } from "./supervisor.ts";

const FAST = { initialMs: 5, maxMs: 20, resetAfterMs: 60_000 };

/** A stand-in that dies `deaths` times (each restart's run ends at once), then stays up. */
function flakyTarget(deaths: number): Supervised & { restarts: number; ended: () => void } {
  let end: (how: string) => void = () => undefined;
  const target = {
    name: "flaky",
    restarts: 0,
    nextEnd: () =>
      target.restarts > 0 && target.restarts < deaths
        ? Promise.resolve("exited with code 1") // this run dies at once
        : new Promise<string>((resolve) => (end = resolve)),
    restart: async () => void target.restarts++,
    ended: () => end("was killed by SIGKILL"),
  };
  return target;
}

describe("supervise", () => {
  it("restarts what died, doubling the wait while it keeps dying, with a line for each death", async () => {
    const lines: string[] = [];
    const target = flakyTarget(3);
    const supervisor = supervise(target, { policy: FAST, log: (line) => lines.push(line.trim()) });
    target.ended();
    await expect.poll(() => target.restarts).toBe(3);
    await supervisor.stop();
    const deaths = lines.filter((line) => line.includes("restarting it in"));
    expect(deaths[0]).toMatch(
      /^flaky was killed by SIGKILL after .* s; restarting it in 0\.0 s \(restart 1 in a row\)$/,
    );
    expect(deaths[1]).toMatch(/^flaky exited with code 1 .*\(restart 2 in a row\)$/);
    expect(deaths).toHaveLength(3);
    expect(lines.filter((line) => line === "flaky restarted and ready")).toHaveLength(3);
  });

  it("a run longer than resetAfterMs starts the count again", async () => {
    const lines: string[] = [];
    let clock = 0;
    const target = flakyTarget(2);
    const supervisor = supervise(target, {
      policy: { ...FAST, resetAfterMs: 100 },
      log: (line) => lines.push(line.trim()),
      now: () => (clock += 1000),
    });
    target.ended();
    await expect.poll(() => target.restarts).toBe(2);
    await supervisor.stop();
    expect(lines.filter((line) => line.includes("(restart 1 in a row)"))).toHaveLength(2);
  });

  it("restarts nothing once stopped, also not during the wait", async () => {
    const target = flakyTarget(1);
    const supervisor = supervise(target, { policy: { ...FAST, initialMs: 60_000 }, log: () => undefined });
    target.ended();
    await new Promise((resolve) => setTimeout(resolve, 10));
    await supervisor.stop();
    expect(target.restarts).toBe(0);
  });

  it("skips the restart when something else brought it back during the wait", async () => {
    const target = { ...flakyTarget(1), isUp: () => true };
    let restarts = 0;
    target.restart = async () => void restarts++;
    const supervisor = supervise(target, { policy: FAST, log: () => undefined });
    target.ended();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await supervisor.stop();
    expect(restarts).toBe(0);
  });
});

describe("restart policy", () => {
  it("waits initial × 2^(n−1), capped", () => {
    const policy = { initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 };
    expect([1, 2, 3, 5, 6, 9].map((n) => restartDelayMs(policy, n))).toEqual([
      1000, 2000, 4000, 16_000, 30_000, 30_000,
    ]);
  });

  it("reads the environment, with defaults, and refuses what is not a number", () => {
    expect(readRestartPolicy({})).toEqual({ initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 });
    expect(
      readRestartPolicy({ MAKE_UP_RESTART_DELAY_MS: "200", MAKE_UP_RESTART_MAX_DELAY_MS: "800" }),
    ).toMatchObject({
      initialMs: 200,
      maxMs: 800,
    });
    expect(() => readRestartPolicy({ MAKE_UP_RESTART_RESET_AFTER_MS: "1m" })).toThrow(
      "MAKE_UP_RESTART_RESET_AFTER_MS=1m is not a number of milliseconds.",
    );
  });
});
