import { newAddress, newCoreId, newPublicKey, newTruncatedReference } from "./ids.ts";
import type {
  AuditLogReason,
  Identity,
  JsonObject,
  MessageRecord,
  RelationshipRecord,
  RelationshipStatus,
  TemplateRecord,
} from "./records.ts";
import { ruleViolated } from "./errors.ts";

/** The Backbone's external events a sync delivers (only the types the sim produces). */
export type ExternalEvent =
  | { id: string; type: "MessageReceived"; payload: { id: string }; relationshipId: string }
  | { id: string; type: "RelationshipStatusChanged"; payload: { relationshipId: string } };

type Mailbox = { identity: Identity; events: ExternalEvent[] };

/**
 * The shared in-memory Backbone: identities, templates, relationships, messages, and per identity
 * a queue of external events that only a sync of that identity takes. Like the real one it holds
 * back `MessageReceived` while the relationship is Pending or Terminated, releases it when the
 * relationship becomes Active and drops it when it is Rejected or Revoked.
 */
export class Backbone {
  readonly baseUrl: string;
  private readonly hostname: string;
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly templates = new Map<string, TemplateRecord>();
  private readonly relationships = new Map<string, RelationshipRecord>();
  private readonly messages = new Map<string, MessageRecord>();

  constructor(baseUrl = "http://backbone.sim.localhost") {
    this.baseUrl = baseUrl;
    this.hostname = new URL(baseUrl).hostname;
  }

  createIdentity(): Identity {
    const identity = { address: newAddress(this.hostname), publicKey: newPublicKey() };
    this.mailboxes.set(identity.address, { identity, events: [] });
    return identity;
  }

  identity(address: string): Identity | undefined {
    return this.mailboxes.get(address)?.identity;
  }

  createTemplate(
    input: Omit<TemplateRecord, "id" | "createdAt" | "truncatedReference" | "url">,
  ): TemplateRecord {
    const id = newCoreId("RLT");
    const truncatedReference = newTruncatedReference(id, this.baseUrl);
    const url = `${this.baseUrl}/r/${id}#${truncatedReference}`;
    const template = { ...input, id, createdAt: now(), truncatedReference, url };
    this.templates.set(id, template);
    return structuredClone(template);
  }

  template(id: string): TemplateRecord | undefined {
    const template = this.templates.get(id);
    return template && structuredClone(template);
  }

  createRelationship(input: {
    templateId: string;
    requestor: string;
    device: string;
    creationContent: JsonObject;
  }): RelationshipRecord {
    const template = this.templates.get(input.templateId);
    if (!template) throw ruleViolated("error.platform.recordNotFound", "RelationshipTemplate not found.");
    const existing = this.relationshipBetween(input.requestor, template.createdBy);
    if (existing && ["Pending", "Active", "Terminated", "DeletionProposed"].includes(existing.status)) {
      throw ruleViolated(
        "error.transport.relationships.relationshipCurrentlyExists",
        `No new Relationship to the peer can be created as a Relationship in status '${existing.status}' currently exists.`,
      );
    }
    const relationship: RelationshipRecord = {
      id: newCoreId("REL"),
      templateId: template.id,
      requestor: input.requestor,
      templator: template.createdBy,
      status: "Pending",
      creationContent: input.creationContent,
      auditLog: [
        {
          createdAt: now(),
          createdBy: input.requestor,
          createdByDevice: input.device,
          reason: "Creation",
          newStatus: "Pending",
        },
      ],
    };
    this.relationships.set(relationship.id, relationship);
    this.notifyStatusChanged(relationship, template.createdBy);
    return structuredClone(relationship);
  }

  changeRelationshipStatus(input: {
    relationshipId: string;
    actor: string;
    device: string;
    reason: AuditLogReason;
    newStatus: RelationshipStatus;
  }): RelationshipRecord {
    const relationship = this.relationships.get(input.relationshipId);
    if (!relationship) throw ruleViolated("error.platform.recordNotFound", "Relationship not found.");
    relationship.auditLog.push({
      createdAt: now(),
      createdBy: input.actor,
      createdByDevice: input.device,
      reason: input.reason,
      oldStatus: relationship.status,
      newStatus: input.newStatus,
    });
    relationship.status = input.newStatus;
    const peer = relationship.requestor === input.actor ? relationship.templator : relationship.requestor;
    this.notifyStatusChanged(relationship, peer);
    this.applyMessageBlocking(relationship);
    return structuredClone(relationship);
  }

  relationship(id: string): RelationshipRecord | undefined {
    const relationship = this.relationships.get(id);
    return relationship && structuredClone(relationship);
  }

  relationshipBetween(a: string, b: string): RelationshipRecord | undefined {
    const matches = [...this.relationships.values()].filter(
      (r) => (r.requestor === a && r.templator === b) || (r.requestor === b && r.templator === a),
    );
    const newest = matches.at(-1);
    return newest && structuredClone(newest);
  }

  sendMessage(input: {
    sender: string;
    device: string;
    recipients: string[];
    content: JsonObject;
  }): MessageRecord {
    const recipients = input.recipients.map((address) => {
      const relationship = this.relationshipBetween(input.sender, address);
      if (!relationship) {
        throw ruleViolated(
          "error.platform.validation.message.noRelationship",
          `No relationship to '${address}'.`,
        );
      }
      return { address, relationshipId: relationship.id };
    });
    const message: MessageRecord = {
      id: newCoreId("MSG"),
      createdBy: input.sender,
      createdByDevice: input.device,
      createdAt: now(),
      recipients,
      content: input.content,
      attachments: [],
    };
    this.messages.set(message.id, message);
    for (const recipient of recipients) {
      this.enqueue(recipient.address, {
        id: newCoreId("SYI"),
        type: "MessageReceived",
        payload: { id: message.id },
        relationshipId: recipient.relationshipId,
      });
    }
    return structuredClone(message);
  }

  /** The recipient's view marks when and by which device it was received (done at its sync). */
  markReceived(messageId: string, recipient: string, device: string): MessageRecord | undefined {
    const message = this.messages.get(messageId);
    const entry = message?.recipients.find((r) => r.address === recipient);
    if (!message || !entry) return undefined;
    entry.receivedAt ??= now();
    entry.receivedByDevice ??= device;
    return structuredClone(message);
  }

  /** Takes every deliverable external event of an identity, in order (a whole sync run). */
  takeExternalEvents(address: string): ExternalEvent[] {
    const mailbox = this.mailboxes.get(address);
    if (!mailbox) return [];
    const deliverable = mailbox.events.filter((event) => !this.isBlocked(event));
    mailbox.events = mailbox.events.filter((event) => this.isBlocked(event));
    return deliverable;
  }

  pendingExternalEventCount(address: string): number {
    return this.mailboxes.get(address)?.events.length ?? 0;
  }

  private isBlocked(event: ExternalEvent): boolean {
    if (event.type !== "MessageReceived") return false;
    const status = this.relationships.get(event.relationshipId)?.status;
    return status === "Pending" || status === "Terminated";
  }

  private applyMessageBlocking(relationship: RelationshipRecord): void {
    if (relationship.status !== "Rejected" && relationship.status !== "Revoked") return;
    for (const mailbox of this.mailboxes.values()) {
      mailbox.events = mailbox.events.filter(
        (event) => event.type !== "MessageReceived" || event.relationshipId !== relationship.id,
      );
    }
  }

  private notifyStatusChanged(relationship: RelationshipRecord, recipient: string): void {
    this.enqueue(recipient, {
      id: newCoreId("SYI"),
      type: "RelationshipStatusChanged",
      payload: { relationshipId: relationship.id },
    });
  }

  private enqueue(address: string, event: ExternalEvent): void {
    this.mailboxes.get(address)?.events.push(event);
  }
}

function now(): string {
  return new Date().toISOString();
}
