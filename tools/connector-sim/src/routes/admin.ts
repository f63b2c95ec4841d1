import type { FastifyPluginAsync } from "fastify";
import { Type, type Static } from "typebox";
import type { SimConnector } from "../connector/connector.ts";
import type { Faults } from "../connector/faults.ts";
import { WebhooksConfigSchema, type WebhooksConfig } from "../webhooks/config.ts";
import type { WebhooksModule } from "../webhooks/webhooks-module.ts";
import { ok } from "./route-context.ts";

/** What the admin routes may change; implemented by the simulation that owns the Connector. */
export type AdminControl = {
  connector: SimConnector;
  webhooks: WebhooksModule;
  setWebhooks(config: WebhooksConfig): void;
  setFaults(faults: Partial<Faults>): Faults;
  startLoad(options: LoadBody): void;
  stopLoad(): void;
  runScenario(name: string): Promise<unknown>;
};

const FaultsBody = Type.Object(
  {
    sync: Type.Optional(Type.Union([Type.Literal("ok"), Type.Literal("error"), Type.Literal("hang")])),
    syncDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
    webhooksToDeadPort: Type.Optional(Type.Boolean()),
    acceptFailures: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

const LoadBodySchema = Type.Object(
  {
    eventsPerSecond: Type.Number({ exclusiveMinimum: 0 }),
    mix: Type.Optional(Type.Record(Type.String(), Type.Number({ minimum: 0 }))),
    durationSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);
type LoadBody = Static<typeof LoadBodySchema>;

/** Sim-only routes under `/sim` (same API key): webhooks config, faults, event log, load, scenarios. */
export const adminRoutes: FastifyPluginAsync<{ control: AdminControl }> = async (app, { control }) => {
  app.get("/sim/info", async () =>
    ok({
      name: control.connector.name,
      address: control.connector.address,
      faults: control.connector.faults,
      syncRequests: control.connector.syncRequests.counts(),
    }),
  );
  app.get("/sim/webhooks", async () => ok(control.webhooks.currentConfig()));
  app.put<{ Body: WebhooksConfig }>(
    "/sim/webhooks",
    { schema: { body: WebhooksConfigSchema } },
    async (request) => {
      control.setWebhooks(request.body);
      return ok(control.webhooks.currentConfig());
    },
  );
  app.get("/sim/webhooks/deliveries", async () => ok(control.webhooks.recentDeliveries()));
  app.get("/sim/faults", async () => ok(control.connector.faults));
  app.put<{ Body: Static<typeof FaultsBody> }>(
    "/sim/faults",
    { schema: { body: FaultsBody } },
    async (request) => ok(control.setFaults(request.body)),
  );
  app.get<{ Querystring: { afterSeq?: string } }>("/sim/events", async (request) =>
    ok(control.connector.bus.events(Number(request.query.afterSeq ?? 0))),
  );
  app.post<{ Body: LoadBody }>("/sim/load", { schema: { body: LoadBodySchema } }, async (request, reply) => {
    control.startLoad(request.body);
    return reply.status(202).send(ok({ started: true }));
  });
  app.delete("/sim/load", async (_request, reply) => {
    control.stopLoad();
    return reply.status(204).send();
  });
  app.post<{ Params: { name: string } }>("/sim/scenarios/:name", async (request) =>
    ok(await control.runScenario(request.params.name)),
  );
};
