import type { SimEvent } from "../event-bus.ts";
import type { JsonObject, LocalRequestRecord } from "../records.ts";
import type { SimConnector } from "./connector.ts";
import { toMessageDto, toTemplateDto } from "./dto.ts";
import {
  completeIncomingRequest,
  receiveIncomingRequest,
  requireManualDecision,
} from "./incoming-requests.ts";
import { sendMessage } from "./messages.ts";
import {
  completeOutgoingRequest,
  createAndCompleteFromTemplateResponse,
  markOutgoingRequestSent,
} from "./outgoing-requests.ts";
import { createRelationship } from "./relationships.ts";

/**
 * The runtime's RequestModule and DeciderModule (no automationConfig, the Connector default) as
 * subscribers of the Connector's bus. They run synchronously inside publish(), so their events
 * follow the event that caused them, in the runtime's order (connector-events.md §4.3/§4.4).
 */
export function startRequestModule(connector: SimConnector): () => void {
  const on = (namespace: string, handler: (event: SimEvent) => void) =>
    connector.bus.subscribe(namespace, (event) => (event.synthetic ? undefined : handler(event)));
  const subscriptions = [
    on("transport.messageSent", (event) => onMessageSent(connector, event)),
    on("transport.messageReceived", (event) => onMessageReceived(connector, event)),
    on("transport.peerRelationshipTemplateLoaded", (event) => onPeerTemplateLoaded(connector, event)),
    on("transport.relationshipChanged", (event) => onRelationshipChanged(connector, event)),
    on("consumption.incomingRequestStatusChanged", (event) =>
      onIncomingRequestStatusChanged(connector, event),
    ),
  ];
  return () => subscriptions.forEach((unsubscribe) => unsubscribe());
}

type Dto = JsonObject & { id: string };

function onMessageSent(connector: SimConnector, event: SimEvent): void {
  const message = event.data as Dto & { content: JsonObject };
  if (message.content["@type"] !== "Request") return;
  markOutgoingRequestSent(connector, String(message.content.id), message.id);
}

function onMessageReceived(connector: SimConnector, event: SimEvent): void {
  const message = connector.store.messages.get((event.data as Dto).id);
  if (!message) return;
  const content = message.content;
  if (content["@type"] === "Request") {
    receiveIncomingRequest(connector, {
      content,
      source: { type: "Message", reference: message.id },
      peer: message.createdBy,
    });
    return;
  }
  if (content["@type"] === "ResponseWrapper" && content.requestSourceType === "Message") {
    completeOutgoingRequest(connector, {
      response: content.response as JsonObject,
      messageId: message.id,
      messageCreatedAt: message.createdAt,
    });
  }
  connector.publish("consumption.messageProcessed", {
    message: toMessageDto(message, connector.address),
    result: "NoRequest",
  });
}

function onPeerTemplateLoaded(connector: SimConnector, event: SimEvent): void {
  const template = connector.store.templates.get((event.data as Dto).id);
  if (!template) return;
  const processed = (result: string, extra: JsonObject = {}) =>
    connector.publish("consumption.relationshipTemplateProcessed", {
      template: toTemplateDto(template, connector.address, connector.eventDialect),
      result,
      ...extra,
    });
  if (template.content["@type"] !== "RelationshipTemplateContent") return processed("NoRequest");
  const existing = [...connector.store.relationships.values()].findLast(
    (r) =>
      (r.requestor === template.createdBy || r.templator === template.createdBy) &&
      !["Rejected", "Revoked"].includes(r.status),
  );
  if (existing) return processed("RelationshipExists", { relationshipId: existing.id });
  const open = [...connector.store.requests.values()].find(
    (r) => !r.isOwn && r.source?.reference === template.id && r.status !== "Completed",
  );
  if (open) return processed("NonCompletedRequestExists", { requestId: open.id });
  receiveIncomingRequest(connector, {
    content: template.content.onNewRelationship as JsonObject,
    source: { type: "RelationshipTemplate", reference: template.id },
    peer: template.createdBy,
  });
}

function onRelationshipChanged(connector: SimConnector, event: SimEvent): void {
  const relationship = connector.store.relationships.get((event.data as Dto).id);
  if (!relationship || relationship.status !== "Pending" || relationship.templator !== connector.address)
    return;
  const template = connector.store.templates.get(relationship.templateId);
  if (template?.content["@type"] !== "RelationshipTemplateContent") return;
  if (relationship.creationContent["@type"] !== "RelationshipCreationContent") return;
  createAndCompleteFromTemplateResponse(connector, {
    templateId: template.id,
    response: relationship.creationContent.response as JsonObject,
    relationshipId: relationship.id,
    peer: relationship.requestor,
    createdAt: relationship.auditLog[0]?.createdAt ?? new Date().toISOString(),
  });
}

function onIncomingRequestStatusChanged(connector: SimConnector, event: SimEvent): void {
  const { request: dto, newStatus } = event.data as { request: Dto; newStatus: string };
  const request = connector.store.requests.get(dto.id);
  if (!request) return;
  if (newStatus === "DecisionRequired") decideManually(connector, request);
  if (newStatus === "Decided") respond(connector, request);
}

/** DeciderModule: require a manual decision, then tell what became of the message or template. */
function decideManually(connector: SimConnector, request: LocalRequestRecord): void {
  requireManualDecision(connector, request);
  const source = request.source;
  if (source?.type === "Message") {
    const message = connector.store.messages.get(source.reference);
    if (!message) return;
    connector.publish("consumption.messageProcessed", {
      message: toMessageDto(message, connector.address),
      result: "ManualRequestDecisionRequired",
    });
  } else if (source?.type === "RelationshipTemplate") {
    const template = connector.store.templates.get(source.reference);
    if (!template) return;
    connector.publish("consumption.relationshipTemplateProcessed", {
      template: toTemplateDto(template, connector.address, connector.eventDialect),
      result: "ManualRequestDecisionRequired",
      requestId: request.id,
    });
  }
}

/** RequestModule on Decided: answer by Message, or (template, no active relationship) by a new relationship. */
function respond(connector: SimConnector, request: LocalRequestRecord): void {
  const source = request.source;
  const response = request.response?.content;
  if (!source || !response) return;
  const hasActiveRelationship = [...connector.store.relationships.values()].some(
    (r) => (r.requestor === request.peer || r.templator === request.peer) && r.status === "Active",
  );
  if (source.type === "RelationshipTemplate" && !hasActiveRelationship) {
    if (response.result === "Rejected") return completeIncomingRequest(connector, request);
    const relationship = createRelationship(connector, {
      templateId: source.reference,
      creationContent: { "@type": "RelationshipCreationContent", response },
    });
    return completeIncomingRequest(connector, request, { type: "Relationship", reference: relationship.id });
  }
  const message = sendMessage(connector, {
    recipients: [request.peer],
    content: {
      "@type": "ResponseWrapper",
      requestId: request.id,
      requestSourceReference: source.reference,
      requestSourceType: source.type,
      response,
    },
  });
  completeIncomingRequest(connector, request, { type: "Message", reference: message.id });
}
