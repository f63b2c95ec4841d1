import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import type { DtoDialect } from "./connector/dto.ts";
import { errorEnvelope, httpErrors, invalidPropertyValue, SimError } from "./errors.ts";
import { accountRoutes } from "./routes/account.ts";
import { adminRoutes, type AdminControl } from "./routes/admin.ts";
import { messageRoutes } from "./routes/messages.ts";
import { monitoringRoutes } from "./routes/monitoring.ts";
import { relationshipTemplateRoutes } from "./routes/relationship-templates.ts";
import { relationshipRoutes } from "./routes/relationships.ts";
import { requestRoutes } from "./routes/requests.ts";

/** Connector 3–6 (what connector-sdk 6.x calls) and Connector 7, served side by side. */
const apiPrefixes: { prefix: string; dialect: DtoDialect }[] = [
  { prefix: "/api/v2", dialect: "v6" },
  { prefix: "/api/core/v1", dialect: "v7" },
];

const methods = ["GET", "POST", "PUT", "DELETE", "PATCH"] as const;

/** Builds one simulated Connector's HTTP server; never listens (simulation.ts does). */
export async function buildConnectorApp(control: AdminControl): Promise<FastifyInstance> {
  const { connector } = control;
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    // The runtime validates against its JSON schemas and rejects what does not fit, so no
    // silent coercion or stripping of unknown properties here.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
  });

  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === "") return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(httpErrors.invalidJsonInPayload(), undefined);
    }
  });

  // express.urlencoded as in the Connector (axios sends this content type on a body-less POST);
  // any other type is left unparsed, as express leaves it, and the body is empty.
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string" },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, _body, done) => done(null, {}));

  // Like the Connector, authentication comes before routing: unknown routes answer 401 too.
  app.addHook("onRequest", async (request) => {
    if (request.url === "/health" || request.url.startsWith("/health?")) return;
    if (request.headers["x-api-key"] !== connector.apiKey) throw httpErrors.unauthorized();
  });

  app.setErrorHandler((error: FastifyError | Error, request, reply) =>
    sendError(error, request, reply, connector.logger),
  );
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    const otherMethod = methods.some(
      (method) => method !== request.method && app.findRoute({ method, url: path }),
    );
    const error = otherMethod ? httpErrors.methodNotAllowed() : httpErrors.routeDoesNotExist();
    return reply.status(error.statusCode).send(errorEnvelope(error.code, error.message));
  });

  await app.register(monitoringRoutes);
  for (const { prefix, dialect } of apiPrefixes) {
    const options = { connector, dialect, prefix };
    await app.register(accountRoutes, options);
    await app.register(messageRoutes, options);
    await app.register(relationshipTemplateRoutes, options);
    await app.register(relationshipRoutes, options);
    await app.register(requestRoutes, options);
  }
  await app.register(adminRoutes, { control });
  return app;
}

/** The one error handler: deliberate errors keep their code and status, anything else is a bare 500. */
function sendError(
  error: FastifyError | SimError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: { error(message: string, detail?: unknown): void },
): FastifyReply {
  const simError = toSimError(error);
  if (simError.statusCode >= 500 && !(error instanceof SimError)) {
    logger.error(`${request.method} ${request.url} failed`, error);
  }
  return reply.status(simError.statusCode).send(errorEnvelope(simError.code, simError.message));
}

function toSimError(error: FastifyError | SimError | Error): SimError {
  if (error instanceof SimError) return error;
  const fastifyError = error as FastifyError;
  const first = fastifyError.validation?.[0];
  if (first) {
    return invalidPropertyValue(
      `${first.instancePath} ${first.message ?? ""}`.replace(/^\//, "").replace(/"/g, "").trim(),
    );
  }
  if (fastifyError.statusCode && fastifyError.statusCode < 500)
    return invalidPropertyValue(fastifyError.message);
  return httpErrors.unexpected();
}
