import { invalidPropertyValue, ruleViolated } from "../errors.ts";
import { newCoreId } from "../ids.ts";
import type { JsonObject, LocalRequestRecord, LocalRequestStatus } from "../records.ts";
import type { SimConnector } from "./connector.ts";
import { toRequestDto } from "./dto.ts";

/** `POST …/Requests/Outgoing`: a Draft LocalRequest, `consumption.outgoingRequestCreated`. */
export function createOutgoingRequest(
  connector: SimConnector,
  input: { content: JsonObject & { items: JsonObject[] }; peer: string },
): LocalRequestRecord {
  if (input.peer === connector.address) {
    throw ruleViolated(
      "error.consumption.requests.cannotShareRequestWithYourself",
      "You cannot share a Request with yourself.",
    );
  }
  if (input.content.items.length === 0) invalidItems();
  const id = typeof input.content.id === "string" ? input.content.id : newCoreId("REQ");
  if (connector.store.requests.has(id)) {
    throw ruleViolated(
      "error.consumption.requests.cannotCreateRequestWithDuplicateId",
      `The Request with id '${id}' already exists.`,
    );
  }
  const request: LocalRequestRecord = {
    id,
    isOwn: true,
    peer: input.peer,
    createdAt: new Date().toISOString(),
    status: "Draft",
    content: { ...input.content, "@type": "Request", id },
  };
  connector.store.requests.set(id, request);
  connector.publish("consumption.outgoingRequestCreated", toRequestDto(request));
  return request;
}

/** RequestModule on `transport.messageSent` with a Request: Draft → Open. */
export function markOutgoingRequestSent(connector: SimConnector, requestId: string, messageId: string): void {
  const request = connector.store.requests.get(requestId);
  if (!request || !request.isOwn || request.status !== "Draft") return;
  request.source = { type: "Message", reference: messageId };
  changeStatus(connector, request, "Open");
}

/** RequestModule on a received ResponseWrapper for a Message-sourced Request: Open → Completed. */
export function completeOutgoingRequest(
  connector: SimConnector,
  input: { response: JsonObject; messageId: string; messageCreatedAt: string },
): void {
  const request = connector.store.requests.get(String(input.response.requestId));
  if (!request || !request.isOwn || request.status !== "Open") {
    connector.logger.error(`Could not complete outgoing request for message id ${input.messageId}`);
    return;
  }
  request.response = {
    createdAt: input.messageCreatedAt,
    content: input.response,
    source: { type: "Message", reference: input.messageId },
  };
  changeStatus(connector, request, "Completed");
}

/**
 * RequestModule on a new Pending relationship from an own template: the template's Request is
 * created already Completed, raising `outgoingRequestCreatedAndCompleted` and (from a relationship)
 * `outgoingRequestFromRelationshipCreationCreatedAndCompleted`.
 */
export function createAndCompleteFromTemplateResponse(
  connector: SimConnector,
  input: {
    templateId: string;
    response: JsonObject;
    relationshipId: string;
    peer: string;
    createdAt: string;
  },
): void {
  const template = connector.store.templates.get(input.templateId);
  const onNewRelationship = template?.content.onNewRelationship as JsonObject | undefined;
  if (!onNewRelationship) return;
  const id = String(input.response.requestId);
  const request: LocalRequestRecord = {
    id,
    isOwn: true,
    peer: input.peer,
    createdAt: input.createdAt,
    status: "Completed",
    content: { ...(structuredClone(onNewRelationship) as LocalRequestRecord["content"]), id },
    source: { type: "RelationshipTemplate", reference: input.templateId },
    response: {
      createdAt: input.createdAt,
      content: input.response,
      source: { type: "Relationship", reference: input.relationshipId },
    },
  };
  connector.store.requests.set(id, request);
  connector.publish("consumption.outgoingRequestCreatedAndCompleted", toRequestDto(request));
  connector.publish(
    "consumption.outgoingRequestFromRelationshipCreationCreatedAndCompleted",
    toRequestDto(request),
  );
}

function changeStatus(
  connector: SimConnector,
  request: LocalRequestRecord,
  newStatus: LocalRequestStatus,
): void {
  const oldStatus = request.status;
  request.status = newStatus;
  connector.publish("consumption.outgoingRequestStatusChanged", {
    request: toRequestDto(request),
    oldStatus,
    newStatus,
  });
}

function invalidItems(): never {
  throw invalidPropertyValue("content/items must NOT have fewer than 1 items");
}
