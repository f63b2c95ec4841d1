import type { FastifyPluginAsync } from "fastify";

/** Build information, shaped as `ConnectorVersionInfo` (the SDK's schema allows nothing more). */
const simVersion = {
  version: "6.36.11-sim",
  build: "0",
  date: "2025-01-01T00:00:00.000Z",
  commit: "connector-sim",
  runtimeVersion: "6.63.5-sim",
};

/** Un-enveloped routes outside the API prefix: `/health` (no auth) and `/Monitoring/Version`. */
export const monitoringRoutes: FastifyPluginAsync = async (app) => {
  app.get("/health", async () => ({
    isHealthy: true,
    services: { database: "healthy", backboneConnection: "healthy", backboneAuthentication: "healthy" },
  }));
  app.get("/Monitoring/Version", async () => simVersion);
};
