import { describe, expect, it } from "vitest";
import { decideAutoAccept } from "./auto-accept-decision.ts";

const peer = "did:e:peer";
const own = "did:e:own";
const pending = (createdBy: string, entries = 1) => ({
  id: "REL1",
  status: "Pending",
  peer,
  auditLog: Array.from({ length: entries }, () => ({ createdBy })),
});

describe("decideAutoAccept", () => {
  it.each([
    ["a Pending relationship the peer created", "transport.relationshipChanged", pending(peer), true],
    ["one the Connector itself created", "transport.relationshipChanged", pending(own), false],
    ["one with two audit-log entries", "transport.relationshipChanged", pending(peer, 2), false],
    ["an Active one", "transport.relationshipChanged", { ...pending(peer), status: "Active" }, false],
    ["another trigger", "transport.messageReceived", pending(peer), false],
    ["data without an id", "transport.relationshipChanged", { ...pending(peer), id: undefined }, false],
    ["no data", "transport.relationshipChanged", undefined, false],
  ])("%s → accept %s", (_name, trigger, data, accept) => {
    expect(decideAutoAccept(trigger, data).accept).toBe(accept);
  });
});
