import { Type, type TSchema } from "typebox";

/** The Connector's success envelope: `{ "result": ... }`. */
export function resultOf<T extends TSchema>(schema: T) {
  return Type.Object({ result: schema });
}

/** The Connector's error envelope, used for every error status. */
export const ErrorResponse = Type.Object({
  error: Type.Object({
    id: Type.String({ examples: ["ERRABCDEFGHJKLMNPQR"] }),
    code: Type.String({ examples: ["error.hub.webhookNotFound"] }),
    message: Type.String(),
    time: Type.String({ format: "date-time" }),
    docs: Type.Optional(Type.String()),
  }),
});
