import { describe, expect, it } from "vitest";
import { parseCliArgs } from "./cli-args.ts";

describe("parseCliArgs", () => {
  it("defaults to two Connectors", () => {
    expect(parseCliArgs([])).toEqual({ simulation: { connectors: 2 }, exitAfterScenario: false });
  });

  it("reads every flag", () => {
    const parsed = parseCliArgs(
      [
        "--connectors",
        "3",
        "--base-port",
        "8100",
        "--webhook-url",
        "http://h/{{trigger}}",
        "--sync-interval",
        "5",
      ].concat([
        "--scenario",
        "consent",
        "--exit",
        "--load",
        "50",
        "--load-mix",
        '{"transport.messageSent":1}',
      ]),
    );
    expect(parsed).toEqual({
      simulation: {
        connectors: 3,
        basePort: 8100,
        webhooks: { webhooks: [{ triggers: ["**"], target: { url: "http://h/{{trigger}}" } }] },
        syncIntervalSeconds: 5,
      },
      scenario: "consent",
      load: { eventsPerSecond: 50, mix: { "transport.messageSent": 1 } },
      exitAfterScenario: true,
    });
  });

  it.each([
    [["--connectors", "0"], /--connectors/],
    [["--connectors", "1.5"], /whole number/],
    [["--scenario", "nope"], /unknown scenario/],
    [["--event-dialect", "v5"], /v6 or v7/],
    [["--bogus"], /Unknown option/],
  ])("rejects %j", (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});
