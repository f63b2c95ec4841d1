import type { FastifyPluginAsync } from "fastify";
import { syncEverything } from "../connector/sync.ts";
import { inRequestContext, ok, type ApiRouteOptions } from "./route-context.ts";

export const accountRoutes: FastifyPluginAsync<ApiRouteOptions> = async (app, { connector }) => {
  app.get("/Account/IdentityInfo", async () => ok({ ...connector.identity }));

  // Since Connector 5 the sync answers 204 without a body (connector PR #223).
  app.post("/Account/Sync", async (request, reply) => {
    // Open until answered or until the caller gives up (a timed-out client closes the socket).
    reply.raw.once("close", connector.syncRequests.enter());
    const header = request.headers["x-correlation-id"];
    const correlationId = typeof header === "string" && header ? header : undefined;
    connector.syncLog.push({ arrivedAt: Date.now(), ...(correlationId ? { correlationId } : {}) });
    await inRequestContext(connector, request, () => syncEverything(connector));
    return reply.status(204).send();
  });

  app.get("/Account/SyncInfo", async () =>
    ok(connector.lastSyncCompletedAt ? { lastSyncRun: { completedAt: connector.lastSyncCompletedAt } } : {}),
  );
};
