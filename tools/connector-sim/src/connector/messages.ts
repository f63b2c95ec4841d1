import { isDeepStrictEqual } from "node:util";
import { invalidPropertyValue, recordNotFound, ruleViolated } from "../errors.ts";
import type { JsonObject, MessageRecord } from "../records.ts";
import type { SimConnector } from "./connector.ts";
import { toMessageDto } from "./dto.ts";

const messageContentTypes = ["Mail", "ResponseWrapper", "Request", "Notification", "ArbitraryMessageContent"];

export type SendMessageInput = { recipients: string[]; content: JsonObject; attachments?: string[] };

/** runtime SendMessageUseCase: validate, hand to the Backbone, raise `transport.messageSent`. */
export function sendMessage(connector: SimConnector, input: SendMessageInput): MessageRecord {
  validateContent(connector, input);
  const message = connector.backbone.sendMessage({
    sender: connector.address,
    device: connector.deviceId,
    recipients: input.recipients,
    content: input.content,
  });
  connector.store.messages.set(message.id, message);
  connector.publish("transport.messageSent", toMessageDto(message, connector.address));
  return message;
}

/** Sync processor for the external event `MessageReceived`. */
export function receiveMessage(connector: SimConnector, messageId: string): void {
  const message = connector.backbone.markReceived(messageId, connector.address, connector.deviceId);
  if (!message) throw recordNotFound("Message");
  connector.store.messages.set(message.id, message);
  connector.publish("transport.messageReceived", toMessageDto(message, connector.address));
}

function validateContent(connector: SimConnector, input: SendMessageInput): void {
  const type = input.content["@type"];
  if (typeof type !== "string" || !messageContentTypes.includes(type)) {
    throw invalidPropertyValue(
      "The content of a Message must either be a Mail, Request, ResponseWrapper, Notification or an ArbitraryMessageContent.",
    );
  }
  if (input.attachments && input.attachments.length > 0) throw recordNotFound("File");
  validateRecipients(connector, input.recipients, type);
  if (type === "Mail") validateMailRecipients(input);
  if (type === "Request") validateRequest(connector, input);
}

function validateRecipients(connector: SimConnector, recipients: string[], type: string): void {
  if (type === "Request" && recipients.length !== 1) {
    throw invalidPropertyValue("Only one recipient is allowed for sending Requests.");
  }
  const allowed = type === "Notification" ? ["Active", "Terminated"] : ["Active"];
  const without = recipients.filter((address) => {
    const relationship = [...connector.store.relationships.values()].findLast(
      (r) => r.requestor === address || r.templator === address,
    );
    return !relationship || !allowed.includes(relationship.status);
  });
  if (without.length > 0) {
    throw ruleViolated(
      "error.runtime.messages.hasNoActiveRelationship",
      `The Message cannot be sent as there is no active Relationship to the recipient(s) with the following address(es): ${without.map((a) => `'${a}'`).join(", ")}. However, please note that Messages whose content is a Notification can be sent on terminated Relationships as well.`,
    );
  }
}

function validateMailRecipients(input: SendMessageInput): void {
  const mail = input.content as { to?: string[]; cc?: string[] };
  const mailRecipients = new Set([...(mail.to ?? []), ...(mail.cc ?? [])]);
  const mismatch = [
    ...input.recipients.filter((a) => !mailRecipients.has(a)),
    ...[...mailRecipients].filter((a) => !input.recipients.includes(a)),
  ];
  if (mismatch.length > 0) {
    throw invalidPropertyValue(
      `The identities '${mismatch.join("', '")}' are not listed among both the Message recipients and the recipients in 'to'/'cc'.`,
    );
  }
}

function validateRequest(connector: SimConnector, input: SendMessageInput): void {
  const id = input.content.id;
  if (typeof id !== "string") throw invalidPropertyValue("The Request must have an id.");
  const local = connector.store.requests.get(id);
  if (!local || !local.isOwn) throw recordNotFound("Request");
  if (!isDeepStrictEqual(stripUndefined(input.content), stripUndefined(local.content))) {
    throw invalidPropertyValue("The sent Request must have the same content as the LocalRequest.");
  }
  if (input.recipients[0] !== local.peer) {
    throw invalidPropertyValue("The recipient does not match the Request's peer.");
  }
  if (local.status !== "Draft") {
    throw ruleViolated(
      "error.runtime.messages.cannotSendRequestThatWasAlreadySent",
      "The Message cannot be sent as the contained Request has already been sent. Please create a new Request and try again.",
    );
  }
}

function stripUndefined(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
