import { describe, expect, it } from "vitest";
import { Backbone } from "./backbone.ts";

function setUp() {
  const backbone = new Backbone();
  const templator = backbone.createIdentity().address;
  const requestor = backbone.createIdentity().address;
  const template = backbone.createTemplate({
    createdBy: templator,
    createdByDevice: "DVC1",
    content: { "@type": "ArbitraryRelationshipTemplateContent", value: {} },
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
  });
  const relationship = backbone.createRelationship({
    templateId: template.id,
    requestor,
    device: "DVC2",
    creationContent: { "@type": "ArbitraryRelationshipCreationContent", value: {} },
  });
  return { backbone, templator, requestor, relationship };
}

describe("Backbone", () => {
  it("delivers to the peer only what its own sync takes, once", () => {
    const { backbone, templator, requestor } = setUp();
    expect(backbone.takeExternalEvents(requestor)).toEqual([]);
    expect(backbone.takeExternalEvents(templator).map((e) => e.type)).toEqual(["RelationshipStatusChanged"]);
    expect(backbone.takeExternalEvents(templator)).toEqual([]);
  });

  it("holds MessageReceived back while the relationship is Pending and releases it when Active", () => {
    const { backbone, templator, requestor, relationship } = setUp();
    backbone.takeExternalEvents(templator);
    backbone.sendMessage({
      sender: requestor,
      device: "DVC2",
      recipients: [templator],
      content: { "@type": "Mail" },
    });
    expect(backbone.takeExternalEvents(templator)).toEqual([]);
    backbone.changeRelationshipStatus({
      relationshipId: relationship.id,
      actor: templator,
      device: "DVC1",
      reason: "AcceptanceOfCreation",
      newStatus: "Active",
    });
    expect(backbone.takeExternalEvents(templator).map((e) => e.type)).toEqual(["MessageReceived"]);
    expect(backbone.takeExternalEvents(requestor).map((e) => e.type)).toEqual(["RelationshipStatusChanged"]);
  });

  it("drops held messages when the relationship is revoked and keeps the audit log", () => {
    const { backbone, templator, requestor, relationship } = setUp();
    backbone.takeExternalEvents(templator);
    backbone.sendMessage({
      sender: requestor,
      device: "DVC2",
      recipients: [templator],
      content: { "@type": "Mail" },
    });
    const revoked = backbone.changeRelationshipStatus({
      relationshipId: relationship.id,
      actor: requestor,
      device: "DVC2",
      reason: "RevocationOfCreation",
      newStatus: "Revoked",
    });
    expect(revoked.auditLog.map((e) => [e.reason, e.oldStatus, e.newStatus])).toEqual([
      ["Creation", undefined, "Pending"],
      ["RevocationOfCreation", "Pending", "Revoked"],
    ]);
    expect(backbone.takeExternalEvents(templator).map((e) => e.type)).toEqual(["RelationshipStatusChanged"]);
  });

  it("refuses a second relationship while one exists", () => {
    const { backbone, requestor, relationship } = setUp();
    expect(() =>
      backbone.createRelationship({
        templateId: relationship.templateId,
        requestor,
        device: "D",
        creationContent: {},
      }),
    ).toThrow(/currently exists/);
  });
});
