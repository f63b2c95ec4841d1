import type { LocalRequestRecord, MessageRecord, RelationshipRecord, TemplateRecord } from "../records.ts";

/**
 * Which Connector generation a DTO is shaped for: "v6" = `/api/v2` and `@nmshd/connector-sdk` 6.x
 * (relationships carry the whole `template`, templates carry `truncatedReference`), "v7" =
 * `/api/core/v1` (relationships carry `templateId`, templates carry `reference: {truncated, url}`).
 */
export type DtoDialect = "v6" | "v7";

/** What a Connector knows locally that a DTO needs besides the record itself. */
export type DtoContext = {
  self: string;
  template(id: string): TemplateRecord | undefined;
  publicKeyOf(address: string): string;
};

export function toMessageDto(message: MessageRecord, self: string): Record<string, unknown> {
  return structuredClone({
    id: message.id,
    isOwn: message.createdBy === self,
    content: message.content,
    createdBy: message.createdBy,
    createdByDevice: message.createdByDevice,
    recipients: message.recipients,
    createdAt: message.createdAt,
    attachments: message.attachments,
  });
}

export function toTemplateDto(
  template: TemplateRecord,
  self: string,
  dialect: DtoDialect,
): Record<string, unknown> {
  const dto: Record<string, unknown> = {
    id: template.id,
    isOwn: template.createdBy === self,
    createdBy: template.createdBy,
    createdByDevice: template.createdByDevice,
    createdAt: template.createdAt,
    ...(template.forIdentity ? { forIdentity: template.forIdentity } : {}),
    content: template.content,
    expiresAt: template.expiresAt,
    ...(template.maxNumberOfAllocations !== undefined
      ? { maxNumberOfAllocations: template.maxNumberOfAllocations }
      : {}),
  };
  if (dialect === "v6") dto.truncatedReference = template.truncatedReference;
  else dto.reference = { truncated: template.truncatedReference, url: template.url };
  return structuredClone(dto);
}

export function toRelationshipDto(
  relationship: RelationshipRecord,
  context: DtoContext,
  dialect: DtoDialect,
): Record<string, unknown> {
  const peer = relationship.requestor === context.self ? relationship.templator : relationship.requestor;
  const template = context.template(relationship.templateId);
  const templatePart =
    dialect === "v6"
      ? { template: template ? toTemplateDto(template, context.self, "v6") : undefined }
      : { templateId: relationship.templateId };
  return structuredClone({
    id: relationship.id,
    ...templatePart,
    status: relationship.status,
    peer,
    peerIdentity: { address: peer, publicKey: context.publicKeyOf(peer) },
    creationContent: relationship.creationContent,
    auditLog: relationship.auditLog,
  });
}

export function toRequestDto(request: LocalRequestRecord): Record<string, unknown> {
  return structuredClone(request);
}
