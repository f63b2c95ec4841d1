import { getJSONSchemaDefinition } from "@nmshd/connector-sdk";
import { Ajv, type ValidateFunction } from "ajv";
import { expect } from "vitest";

// Validation against the JSON schemas `@nmshd/connector-sdk` ships — the yardstick the Connector's
// own tests use (test/lib/validation.ts there). Event data reuse the DTO definitions.
const sdkSchema = getJSONSchemaDefinition() as { $id?: string; definitions: Record<string, unknown> };
const schemaId = "https://enmeshed.eu/schemas/connector-api";
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema({ ...sdkSchema, $id: schemaId });

const ref = (definition: string) => ({ $ref: `${schemaId}#/definitions/${definition}` });
const statusChanged = {
  type: "object",
  additionalProperties: false,
  required: ["request", "oldStatus", "newStatus"],
  properties: {
    request: ref("ConnectorRequest"),
    oldStatus: ref("ConnectorRequestStatus"),
    newStatus: ref("ConnectorRequestStatus"),
  },
};

/** The schema event `data` must satisfy, per namespace (runtime-types events, SDK DTO schemas). */
const eventSchemas: Record<string, object> = {
  "transport.messageSent": ref("ConnectorMessage"),
  "transport.messageReceived": ref("ConnectorMessage"),
  "transport.relationshipChanged": ref("ConnectorRelationship"),
  "transport.peerRelationshipTemplateLoaded": ref("ConnectorRelationshipTemplate"),
  "consumption.outgoingRequestCreated": ref("ConnectorRequest"),
  "consumption.incomingRequestReceived": ref("ConnectorRequest"),
  "consumption.outgoingRequestCreatedAndCompleted": ref("ConnectorRequest"),
  "consumption.outgoingRequestFromRelationshipCreationCreatedAndCompleted": ref("ConnectorRequest"),
  "consumption.outgoingRequestStatusChanged": statusChanged,
  "consumption.incomingRequestStatusChanged": statusChanged,
  "consumption.messageProcessed": {
    type: "object",
    additionalProperties: false,
    required: ["message", "result"],
    properties: {
      message: ref("ConnectorMessage"),
      result: {
        enum: ["RequestAutomaticallyDecided", "ManualRequestDecisionRequired", "NoRequest", "Error"],
      },
    },
  },
  "consumption.relationshipTemplateProcessed": {
    type: "object",
    additionalProperties: false,
    required: ["template", "result"],
    properties: {
      template: ref("ConnectorRelationshipTemplate"),
      result: { type: "string" },
      requestId: { type: "string" },
      relationshipId: { type: "string" },
    },
  },
};

const compiled = new Map<string, ValidateFunction>();

function validatorFor(key: string, schema: () => object): ValidateFunction {
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema());
    compiled.set(key, validate);
  }
  return validate;
}

/** Asserts `value` is valid against SDK definition `definition` (e.g. "ConnectorMessage"). */
export function expectValidDto(definition: string, value: unknown): void {
  const validate = validatorFor(definition, () => ref(definition));
  expect(validate(value), `${definition}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`).toBe(
    true,
  );
}

/** Asserts a webhook's event `data` is valid for its trigger; unknown triggers fail. */
export function expectValidEventData(trigger: string, data: unknown): void {
  const schema = eventSchemas[trigger];
  expect(schema, `no schema known for event ${trigger}`).toBeDefined();
  const validate = validatorFor(`event:${trigger}`, () => schema!);
  expect(validate(data), `${trigger}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(data)}`).toBe(
    true,
  );
}

/** Asserts the `data` of every event in an event log is valid for its namespace. */
export function expectValidEvents(events: { namespace: string; data: unknown }[]): void {
  for (const event of events) expectValidEventData(event.namespace, event.data);
}
