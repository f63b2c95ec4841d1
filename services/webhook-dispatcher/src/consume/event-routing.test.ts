import type { HubEvent } from "@event-hub/shared";
import { describe, expect, it } from "vitest";
import { routeEvents, type DestinationRoute } from "./event-routing.ts";

const event = (id: string, connectorId: string, trigger: string): HubEvent => ({
  id,
  connectorId,
  trigger,
  data: {},
  time: "2024-01-01T00:00:00Z",
});

describe("event routing", () => {
  const routes: DestinationRoute[] = [
    { id: "all", triggers: ["**"], connectorIds: null },
    { id: "transport-of-a", triggers: ["transport.*"], connectorIds: ["a"] },
    { id: "sent-only", triggers: ["transport.messageSent"], connectorIds: null },
  ];

  it("creates one delivery per matching destination, in event order", () => {
    const events = [
      event("e1", "a", "transport.messageReceived"),
      event("e2", "b", "transport.messageReceived"),
      event("e3", "a", "consumption.attributeCreated"),
    ];
    expect(routeEvents(events, routes)).toEqual([
      { eventId: "e1", connectorId: "a", destinationId: "all" },
      { eventId: "e1", connectorId: "a", destinationId: "transport-of-a" },
      { eventId: "e2", connectorId: "b", destinationId: "all" },
      { eventId: "e3", connectorId: "a", destinationId: "all" },
    ]);
  });

  it("creates nothing without destinations", () => {
    expect(routeEvents([event("e1", "a", "x")], [])).toEqual([]);
  });
});
