import { randomUUID } from "node:crypto";
import type { SimConnector } from "./connector/connector.ts";
import { toMessageDto, toRelationshipDto, toRequestDto } from "./connector/dto.ts";
import { invalidPropertyValue } from "./errors.ts";
import { newCoreId } from "./ids.ts";
import type { JsonObject, LocalRequestRecord, MessageRecord } from "./records.ts";

export type LoadOptions = {
  eventsPerSecond: number;
  /** Namespace → weight; default only `transport.messageReceived`. */
  mix?: Record<string, number>;
  durationSeconds?: number;
};

type Generator = (connector: SimConnector) => unknown;

/**
 * Synthetic events for benchmarks, raised on the Connector's bus like real ones (webhooks and the
 * event log see them) with schema-valid DTOs. The records are stored, so a consumer that looks them
 * up (`GET …/Messages/{id}`) finds them. They bypass the Backbone: peers see nothing.
 */
const generators: Record<string, Generator> = {
  "transport.messageReceived": (c) => toMessageDto(storeMail(c, "received"), c.address),
  "transport.messageSent": (c) => toMessageDto(storeMail(c, "sent"), c.address),
  "consumption.messageProcessed": (c) => ({
    message: toMessageDto(storeMail(c, "received"), c.address),
    result: "NoRequest",
  }),
  "transport.relationshipChanged": (c) => {
    const relationship = [...c.store.relationships.values()].at(-1);
    if (!relationship)
      throw invalidPropertyValue(
        "transport.relationshipChanged load needs a relationship: run onboarding first",
      );
    return toRelationshipDto(relationship, c.dtoContext(), c.eventDialect);
  },
  "consumption.outgoingRequestCreated": (c) => toRequestDto(storeOutgoingRequest(c, "Draft")),
  // The status changes the consent flow raises first on each side (connector-events.md §4.3).
  "consumption.outgoingRequestStatusChanged": (c) => ({
    request: toRequestDto(storeOutgoingRequest(c, "Open")),
    oldStatus: "Draft",
    newStatus: "Open",
  }),
  "consumption.incomingRequestReceived": (c) => toRequestDto(storeIncomingRequest(c, "Open")),
  "consumption.incomingRequestStatusChanged": (c) => ({
    request: toRequestDto(storeIncomingRequest(c, "DecisionRequired")),
    oldStatus: "Open",
    newStatus: "DecisionRequired",
  }),
};

export const loadNamespaces = Object.keys(generators);

/** Starts raising events at the given rate; returns a function that stops it. */
export function startLoad(connector: SimConnector, options: LoadOptions): () => void {
  const mix = Object.entries(options.mix ?? { "transport.messageReceived": 1 }).filter(
    ([, weight]) => weight > 0,
  );
  const unknown = mix.map(([namespace]) => namespace).filter((namespace) => !generators[namespace]);
  if (mix.length === 0 || unknown.length > 0) {
    throw invalidPropertyValue(
      `load mix: unsupported namespaces [${unknown.join(", ")}]; supported: ${loadNamespaces.join(", ")}`,
    );
  }
  if (mix.some(([namespace]) => namespace === "transport.relationshipChanged"))
    generators["transport.relationshipChanged"]!(connector);
  const startedAt = Date.now();
  let raised = 0;
  const timer = setInterval(() => {
    const durationMs = options.durationSeconds === undefined ? Infinity : options.durationSeconds * 1000;
    const elapsedMs = Math.min(Date.now() - startedAt, durationMs);
    const due = Math.floor((elapsedMs / 1000) * options.eventsPerSecond) - raised;
    for (let i = 0; i < due; i++) raiseOne(connector, pick(mix));
    raised += Math.max(due, 0);
    if (elapsedMs >= durationMs) clearInterval(timer);
  }, 20);
  return () => clearInterval(timer);
}

function raiseOne(connector: SimConnector, namespace: string): void {
  connector.withCorrelationId(randomUUID(), () =>
    connector.publish(namespace, generators[namespace]!(connector), { synthetic: true }),
  );
}

function pick(mix: [string, number][]): string {
  const total = mix.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = Math.random() * total;
  for (const [namespace, weight] of mix) {
    roll -= weight;
    if (roll <= 0) return namespace;
  }
  return mix.at(-1)![0];
}

function peerOf(connector: SimConnector): { address: string; relationshipId: string } {
  const relationship = [...connector.store.relationships.values()].at(-1);
  if (!relationship)
    return {
      address: "did:e:load.sim.localhost:dids:00000000000000000000ab",
      relationshipId: newCoreId("REL"),
    };
  const address =
    relationship.requestor === connector.address ? relationship.templator : relationship.requestor;
  return { address, relationshipId: relationship.id };
}

function storeMail(
  connector: SimConnector,
  direction: "sent" | "received",
  content?: (to: string) => JsonObject,
): MessageRecord {
  const peer = peerOf(connector);
  const from = direction === "sent" ? connector.address : peer.address;
  const to = direction === "sent" ? peer.address : connector.address;
  const now = new Date().toISOString();
  const message: MessageRecord = {
    id: newCoreId("MSG"),
    createdBy: from,
    createdByDevice: newCoreId("DVC"),
    createdAt: now,
    recipients: [
      {
        address: to,
        relationshipId: peer.relationshipId,
        ...(direction === "received" ? { receivedAt: now, receivedByDevice: connector.deviceId } : {}),
      },
    ],
    content: content?.(to) ?? {
      "@type": "Mail",
      to: [to],
      subject: "Load test",
      body: `synthetic ${direction} message`,
    },
    attachments: [],
  };
  connector.store.messages.set(message.id, message);
  return message;
}

/** A consent Request of this Connector's (Draft), or one sent in a stored Message (Open). */
function storeOutgoingRequest(connector: SimConnector, status: "Draft" | "Open"): LocalRequestRecord {
  const request = newConsentRequest(peerOf(connector).address, true, status);
  if (status === "Open") {
    const message = storeMail(connector, "sent", () => request.content);
    request.source = { type: "Message", reference: message.id };
  }
  connector.store.requests.set(request.id, request);
  return request;
}

/** A consent Request received in a stored Message, as the RequestModule records it. */
function storeIncomingRequest(
  connector: SimConnector,
  status: "Open" | "DecisionRequired",
): LocalRequestRecord {
  const request = newConsentRequest(peerOf(connector).address, false, status);
  const message = storeMail(connector, "received", () => request.content);
  request.source = { type: "Message", reference: message.id };
  connector.store.requests.set(request.id, request);
  return request;
}

function newConsentRequest(
  peer: string,
  isOwn: boolean,
  status: LocalRequestRecord["status"],
): LocalRequestRecord {
  const id = newCoreId("REQ");
  return {
    id,
    isOwn,
    peer,
    createdAt: new Date().toISOString(),
    status,
    content: {
      "@type": "Request",
      id,
      items: [{ "@type": "ConsentRequestItem", mustBeAccepted: true, consent: "Load test" }],
    },
  };
}
