import { invalidPropertyValue, recordNotFound, SimError } from "../errors.ts";
import { templateIdFromTruncatedReference } from "../ids.ts";
import type { JsonObject, TemplateRecord } from "../records.ts";
import type { SimConnector } from "./connector.ts";
import { toTemplateDto } from "./dto.ts";

export type CreateTemplateInput = {
  content: JsonObject;
  expiresAt: string;
  maxNumberOfAllocations?: number;
  forIdentity?: string;
};

const templateContentTypes = ["RelationshipTemplateContent", "ArbitraryRelationshipTemplateContent"];

/** `POST …/RelationshipTemplates/Own`: stored on the Backbone; raises no event (as in the runtime). */
export function createOwnTemplate(connector: SimConnector, input: CreateTemplateInput): TemplateRecord {
  const type = input.content["@type"];
  if (typeof type !== "string" || !templateContentTypes.includes(type)) {
    throw invalidPropertyValue(
      "The content of a RelationshipTemplate must either be a RelationshipTemplateContent or an ArbitraryRelationshipTemplateContent.",
    );
  }
  if (Number.isNaN(Date.parse(input.expiresAt)) || Date.parse(input.expiresAt) <= Date.now()) {
    throw invalidPropertyValue("'expiresAt' must be in the future");
  }
  const template = connector.backbone.createTemplate({
    createdBy: connector.address,
    createdByDevice: connector.deviceId,
    content: input.content,
    expiresAt: input.expiresAt,
    ...(input.maxNumberOfAllocations !== undefined
      ? { maxNumberOfAllocations: input.maxNumberOfAllocations }
      : {}),
    ...(input.forIdentity ? { forIdentity: input.forIdentity } : {}),
  });
  connector.store.templates.set(template.id, template);
  return template;
}

/**
 * `POST …/RelationshipTemplates/Peer`: loads a peer's template by its truncated reference or URL
 * (the sim also takes the bare id) and raises `transport.peerRelationshipTemplateLoaded`.
 */
export function loadPeerTemplate(connector: SimConnector, reference: string): TemplateRecord {
  const id = templateIdOf(reference, connector.backbone.baseUrl);
  if (!id) {
    throw new SimError(
      "error.runtime.validation.invalidPropertyValue",
      "The given reference is not a valid truncated reference or URL of a RelationshipTemplate.",
      400,
    );
  }
  const template = connector.backbone.template(id);
  if (!template) throw recordNotFound("RelationshipTemplate");
  connector.store.templates.set(template.id, template);
  if (template.createdBy !== connector.address) {
    connector.publish(
      "transport.peerRelationshipTemplateLoaded",
      toTemplateDto(template, connector.address, connector.eventDialect),
    );
  }
  return template;
}

function templateIdOf(reference: string, backboneBaseUrl: string): string | undefined {
  if (/^RLT[A-Za-z0-9]{17}$/.test(reference)) return reference;
  if (reference.startsWith(`${backboneBaseUrl}/r/`)) {
    return /\/r\/(RLT[A-Za-z0-9]{17})/.exec(reference)?.[1];
  }
  return templateIdFromTruncatedReference(reference);
}
