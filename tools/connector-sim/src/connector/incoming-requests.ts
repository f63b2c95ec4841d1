import { recordNotFound, ruleViolated, type SimError } from "../errors.ts";
import { newCoreId } from "../ids.ts";
import type { JsonObject, LocalRequestRecord, LocalRequestStatus } from "../records.ts";
import type { SimConnector } from "./connector.ts";
import { toRequestDto } from "./dto.ts";

export type DecideItem = { accept: boolean; code?: string; message?: string } | { items: DecideItem[] };

/** RequestModule: a Request arrived in a Message or a loaded template → Open, then DecisionRequired. */
export function receiveIncomingRequest(
  connector: SimConnector,
  input: { content: JsonObject; source: NonNullable<LocalRequestRecord["source"]>; peer: string },
): LocalRequestRecord {
  const id = typeof input.content.id === "string" ? input.content.id : newCoreId("REQ");
  const request: LocalRequestRecord = {
    id,
    isOwn: false,
    peer: input.peer,
    createdAt: new Date().toISOString(),
    status: "Open",
    content: { ...(structuredClone(input.content) as LocalRequestRecord["content"]), id },
    source: input.source,
  };
  connector.store.requests.set(id, request);
  connector.publish("consumption.incomingRequestReceived", toRequestDto(request));
  changeStatus(connector, request, "DecisionRequired");
  return request;
}

/** DeciderModule without automationConfig (the Connector default): every Request needs a human. */
export function requireManualDecision(connector: SimConnector, request: LocalRequestRecord): void {
  changeStatus(connector, request, "ManualDecisionRequired");
}

/**
 * `PUT …/Requests/Incoming/{id}/Accept|Reject`: builds the Response and sets Decided. Returns the
 * Decided DTO; the RequestModule then answers and completes it (synchronously, inside publish).
 */
export function decideIncomingRequest(
  connector: SimConnector,
  id: string,
  input: { accept: boolean; items: DecideItem[] },
): Record<string, unknown> {
  const request = connector.findOrThrow(connector.store.requests, id, "Request");
  if (request.isOwn) throw recordNotFound("Request");
  if (request.status !== "DecisionRequired" && request.status !== "ManualDecisionRequired") {
    throw ruleViolated(
      "error.runtime.unknown",
      "An error was thrown in a UseCase: Local Request has to be in status 'DecisionRequired/ManualDecisionRequired'.",
    );
  }
  const items = decideItems(request.content.items, input.items, input.accept);
  request.response = {
    createdAt: new Date().toISOString(),
    content: { "@type": "Response", result: input.accept ? "Accepted" : "Rejected", requestId: id, items },
  };
  const decided = changeStatus(connector, request, "Decided");
  return decided;
}

/** RequestModule after answering: Decided → Completed, with where the Response went. */
export function completeIncomingRequest(
  connector: SimConnector,
  request: LocalRequestRecord,
  responseSource?: { type: "Message" | "Relationship"; reference: string },
): void {
  if (request.response && responseSource) request.response.source = responseSource;
  changeStatus(connector, request, "Completed");
}

function decideItems(
  requestItems: JsonObject[],
  decisions: DecideItem[],
  acceptRequest: boolean,
): JsonObject[] {
  if (requestItems.length !== decisions.length) {
    throw ruleViolated(
      "error.consumption.requests.decide.validation.invalidNumberOfItems",
      "Number of items in Request and Response do not match",
    );
  }
  return requestItems.map((item, index) => decideItem(item, decisions[index]!, acceptRequest));
}

function decideItem(item: JsonObject, decision: DecideItem, acceptRequest: boolean): JsonObject {
  if (item["@type"] === "RequestItemGroup") {
    if (!("items" in decision)) throw groupMismatch("requestItemGroupAnsweredAsRequestItem");
    return {
      "@type": "ResponseItemGroup",
      items: decideItems(item.items as JsonObject[], decision.items, acceptRequest),
    };
  }
  if ("items" in decision) throw groupMismatch("requestItemAnsweredAsRequestItemGroup");
  if (decision.accept && !acceptRequest) {
    throw ruleViolated(
      "error.consumption.requests.decide.validation.itemAcceptedButRequestNotAccepted",
      "The RequestItem was accepted, but the Request was not accepted.",
    );
  }
  if (!decision.accept && acceptRequest && item.mustBeAccepted === true) {
    throw ruleViolated(
      "error.consumption.requests.decide.validation.mustBeAcceptedItemNotAccepted",
      "The RequestItem is flagged as 'mustBeAccepted', but it was not accepted.",
    );
  }
  if (decision.accept) return { "@type": "AcceptResponseItem", result: "Accepted" };
  return {
    "@type": "RejectResponseItem",
    result: "Rejected",
    ...(decision.code ? { code: decision.code } : {}),
    ...(decision.message ? { message: decision.message } : {}),
  };
}

function groupMismatch(code: string): SimError {
  return ruleViolated(
    `error.consumption.requests.decide.validation.${code}`,
    "The decision does not match the Request's structure.",
  );
}

function changeStatus(
  connector: SimConnector,
  request: LocalRequestRecord,
  newStatus: LocalRequestStatus,
): Record<string, unknown> {
  const oldStatus = request.status;
  request.status = newStatus;
  const dto = toRequestDto(request);
  connector.publish("consumption.incomingRequestStatusChanged", { request: dto, oldStatus, newStatus });
  return dto;
}
