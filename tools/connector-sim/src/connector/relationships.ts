import { isDeepStrictEqual } from "node:util";
import { invalidPropertyValue, ruleViolated } from "../errors.ts";
import type { AuditLogReason, JsonObject, RelationshipRecord, RelationshipStatus } from "../records.ts";
import type { SimConnector } from "./connector.ts";
import { toRelationshipDto } from "./dto.ts";

export type RelationshipAction = "Accept" | "Reject" | "Revoke" | "Terminate";

const creationContentTypes = ["RelationshipCreationContent", "ArbitraryRelationshipCreationContent"];

/** `POST …/Relationships`: the requestor creates a Pending relationship from a peer's template. */
export function createRelationship(
  connector: SimConnector,
  input: { templateId: string; creationContent: JsonObject },
): RelationshipRecord {
  const template = connector.findOrThrow(connector.store.templates, input.templateId, "RelationshipTemplate");
  if (!creationContentTypes.includes(String(input.creationContent["@type"]))) {
    throw invalidPropertyValue(
      "The creationContent of a Relationship must either be a RelationshipCreationContent or an ArbitraryRelationshipCreationContent.",
    );
  }
  if (Date.parse(template.expiresAt) <= Date.now()) {
    throw ruleViolated(
      "error.transport.relationships.relationshipTemplateIsExpired",
      `The RelationshipTemplate '${template.id}' is already expired and therefore cannot be used to create a Relationship.`,
    );
  }
  if (template.content["@type"] === "RelationshipTemplateContent")
    assertAcceptedResponse(connector, template.id, input);
  const relationship = connector.backbone.createRelationship({
    templateId: template.id,
    requestor: connector.address,
    device: connector.deviceId,
    creationContent: input.creationContent,
  });
  return store(connector, relationship);
}

const transitions: Record<
  RelationshipAction,
  { from: RelationshipStatus; to: RelationshipStatus; reason: AuditLogReason; byPeerOfCreator?: boolean }
> = {
  Accept: { from: "Pending", to: "Active", reason: "AcceptanceOfCreation", byPeerOfCreator: true },
  Reject: { from: "Pending", to: "Rejected", reason: "RejectionOfCreation", byPeerOfCreator: true },
  Revoke: { from: "Pending", to: "Revoked", reason: "RevocationOfCreation", byPeerOfCreator: false },
  Terminate: { from: "Active", to: "Terminated", reason: "Termination" },
};

/** `PUT …/Relationships/{id}/Accept|Reject|Revoke|Terminate`, with transport's checks. */
export function changeRelationship(
  connector: SimConnector,
  id: string,
  action: RelationshipAction,
): RelationshipRecord {
  const relationship = connector.findOrThrow(connector.store.relationships, id, "Relationship");
  const transition = transitions[action];
  if (relationship.status !== transition.from) {
    throw ruleViolated(
      "error.transport.relationships.wrongRelationshipStatus",
      `The Relationship '${id}' has the wrong status '${relationship.status}' to run this operation.`,
    );
  }
  const lastEntryIsMine = relationship.auditLog.at(-1)?.createdBy === connector.address;
  if (transition.byPeerOfCreator !== undefined && lastEntryIsMine === transition.byPeerOfCreator) {
    throw ruleViolated(
      "error.transport.relationships.operationOnlyAllowedForPeer",
      `Only your peer can ${action.toLowerCase()} the relationship ${id}.`,
    );
  }
  const changed = connector.backbone.changeRelationshipStatus({
    relationshipId: id,
    actor: connector.address,
    device: connector.deviceId,
    reason: transition.reason,
    newStatus: transition.to,
  });
  return store(connector, changed);
}

/**
 * Sync processor for `RelationshipStatusChanged`: a new relationship is created locally, a known
 * one is updated; `transport.relationshipChanged` only when it is new or its audit log grew.
 */
export function applyRelationshipChange(connector: SimConnector, relationshipId: string): void {
  const remote = connector.backbone.relationship(relationshipId);
  if (!remote) return;
  const local = connector.store.relationships.get(relationshipId);
  if (local && local.auditLog.length === remote.auditLog.length) return;
  if (!connector.store.templates.has(remote.templateId)) {
    const template = connector.backbone.template(remote.templateId);
    if (template) connector.store.templates.set(template.id, template);
  }
  store(connector, remote);
}

function store(connector: SimConnector, relationship: RelationshipRecord): RelationshipRecord {
  connector.store.relationships.set(relationship.id, relationship);
  connector.publish(
    "transport.relationshipChanged",
    toRelationshipDto(relationship, connector.dtoContext(), connector.eventDialect),
  );
  return relationship;
}

/** runtime CreateRelationshipUseCase: a RelationshipTemplateContent needs the accepted Request's Response. */
function assertAcceptedResponse(
  connector: SimConnector,
  templateId: string,
  input: { creationContent: JsonObject },
): void {
  const accepted = [...connector.store.requests.values()].find(
    (r) =>
      !r.isOwn &&
      r.source?.reference === templateId &&
      r.status === "Decided" &&
      r.response?.content.result === "Accepted",
  );
  if (!accepted) {
    throw ruleViolated(
      "error.runtime.relationships.noAcceptedIncomingRequest",
      "There is no accepted incoming Request associated with the RelationshipTemplateContent of the RelationshipTemplate.",
    );
  }
  const response = input.creationContent.response;
  if (
    input.creationContent["@type"] !== "RelationshipCreationContent" ||
    !isDeepStrictEqual(JSON.parse(JSON.stringify(response ?? null)), accepted.response?.content)
  ) {
    throw ruleViolated(
      "error.runtime.relationships.wrongResponseProvidedAsCreationContent",
      "The Response of the accepted incoming Request associated with the RelationshipTemplateContent must be provided as the response of the RelationshipCreationContent.",
    );
  }
}
