import { describe, expect, it } from "vitest";
import { InFlightGauge } from "./in-flight-gauge.ts";

describe("InFlightGauge", () => {
  it("counts requests in and out and keeps the most at once, also in its parent", () => {
    const all = new InFlightGauge();
    const one = new InFlightGauge(all);
    const other = new InFlightGauge(all);
    const leaveA = one.enter();
    const leaveB = one.enter();
    const leaveC = other.enter();
    expect(one.counts()).toStrictEqual({ inFlight: 2, maxInFlight: 2 });
    expect(all.counts()).toStrictEqual({ inFlight: 3, maxInFlight: 3 });
    leaveA();
    leaveA(); // a second call changes nothing
    leaveB();
    leaveC();
    one.enter();
    expect(one.counts()).toStrictEqual({ inFlight: 1, maxInFlight: 2 });
    expect(other.counts()).toStrictEqual({ inFlight: 0, maxInFlight: 1 });
    expect(all.counts()).toStrictEqual({ inFlight: 1, maxInFlight: 3 });
  });
});
