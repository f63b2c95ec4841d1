import { describe, expect, it } from "vitest";
import { createOutboxBacklog } from "./outbox-backlog.ts";

describe("outbox backlog", () => {
  it("keeps a Connector marked while the outbox holds its events", () => {
    const backlog = createOutboxBacklog();
    backlog.mark("a");
    const since = backlog.generation();
    backlog.replace(["a"], since);
    expect(backlog.has("a")).toBe(true);
  });

  it("clears a Connector once the outbox is empty for it", () => {
    const backlog = createOutboxBacklog();
    backlog.mark("a");
    backlog.replace([], backlog.generation());
    expect(backlog.has("a")).toBe(false);
  });

  it("keeps a Connector marked during the relay pass even if the relay saw no rows of it", () => {
    const backlog = createOutboxBacklog();
    const since = backlog.generation();
    backlog.mark("b"); // an outbox write began after the relay read the table
    backlog.replace([], since);
    expect(backlog.has("b")).toBe(true);
  });

  it("learns Connectors with rows left by another replica or an earlier run", () => {
    const backlog = createOutboxBacklog();
    backlog.replace(["c"], backlog.generation());
    expect(backlog.has("c")).toBe(true);
    expect(backlog.size()).toBe(1);
  });
});
