// What the simulated Backbone and Connectors store. DTOs are derived from these in dto.ts.

export type JsonObject = Record<string, unknown>;

export type RelationshipStatus =
  "Pending" | "Active" | "Rejected" | "Revoked" | "Terminated" | "DeletionProposed";

export type AuditLogReason =
  "Creation" | "AcceptanceOfCreation" | "RejectionOfCreation" | "RevocationOfCreation" | "Termination";

type AuditLogEntry = {
  createdAt: string;
  createdBy: string;
  createdByDevice: string;
  reason: AuditLogReason;
  oldStatus?: RelationshipStatus;
  newStatus: RelationshipStatus;
};

export type TemplateRecord = {
  id: string;
  createdBy: string;
  createdByDevice: string;
  createdAt: string;
  content: JsonObject;
  expiresAt: string;
  maxNumberOfAllocations?: number;
  forIdentity?: string;
  truncatedReference: string;
  url: string;
};

export type RelationshipRecord = {
  id: string;
  templateId: string;
  /** The identity that created the relationship from the other one's template. */
  requestor: string;
  templator: string;
  status: RelationshipStatus;
  creationContent: JsonObject;
  auditLog: AuditLogEntry[];
};

export type MessageRecord = {
  id: string;
  createdBy: string;
  createdByDevice: string;
  createdAt: string;
  recipients: { address: string; relationshipId: string; receivedAt?: string; receivedByDevice?: string }[];
  content: JsonObject;
  attachments: string[];
};

export type LocalRequestStatus =
  "Draft" | "Open" | "DecisionRequired" | "ManualDecisionRequired" | "Decided" | "Completed";

export type LocalRequestRecord = {
  id: string;
  isOwn: boolean;
  peer: string;
  createdAt: string;
  status: LocalRequestStatus;
  /** RequestJSON, always with its `id`. */
  content: JsonObject & { items: JsonObject[] };
  source?: { type: "Message" | "RelationshipTemplate"; reference: string };
  response?: {
    createdAt: string;
    content: JsonObject;
    source?: { type: "Message" | "Relationship"; reference: string };
  };
};

export type Identity = { address: string; publicKey: string };
