import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { Backbone } from "../backbone.ts";
import { recordNotFound } from "../errors.ts";
import { EventBus } from "../event-bus.ts";
import { newCoreId } from "../ids.ts";
import type { Logger } from "../logger.ts";
import type {
  Identity,
  LocalRequestRecord,
  MessageRecord,
  RelationshipRecord,
  TemplateRecord,
} from "../records.ts";
import type { DtoContext, DtoDialect } from "./dto.ts";
import { noFaults, type Faults } from "./faults.ts";
import { InFlightGauge } from "./in-flight-gauge.ts";

export type LocalStore = {
  messages: Map<string, MessageRecord>;
  relationships: Map<string, RelationshipRecord>;
  templates: Map<string, TemplateRecord>;
  requests: Map<string, LocalRequestRecord>;
};

export type SimConnectorOptions = {
  name: string;
  apiKey: string;
  backbone: Backbone;
  logger: Logger;
  /** Shape of event data: "v6" (default, what connector-sdk 6.x describes) or "v7". */
  eventDialect?: DtoDialect;
  /** Also counts this Connector's `POST …/Account/Sync` requests, summed with other Connectors'. */
  allSyncRequests?: InFlightGauge;
};

/**
 * One simulated Connector: an identity on the shared Backbone, its local records, its event bus
 * and the correlation context events are raised in. Use cases live beside it (messages.ts,
 * relationships.ts, …) and act on it; the runtime modules subscribe to its bus (request-module.ts).
 */
export class SimConnector {
  readonly name: string;
  readonly apiKey: string;
  readonly identity: Identity;
  readonly deviceId = newCoreId("DVC");
  readonly backbone: Backbone;
  readonly logger: Logger;
  readonly bus: EventBus;
  readonly eventDialect: DtoDialect;
  readonly store: LocalStore = {
    messages: new Map(),
    relationships: new Map(),
    templates: new Map(),
    requests: new Map(),
  };
  faults: Faults = noFaults();
  /** `POST …/Account/Sync` requests open now and the most at once (sim-only, for tests). */
  readonly syncRequests: InFlightGauge;
  /** Every `POST …/Account/Sync` as it arrived: when, and its `x-correlation-id` if any (sim-only). */
  readonly syncLog: { arrivedAt: number; correlationId?: string }[] = [];
  lastSyncCompletedAt: string | undefined;
  private readonly correlation = new AsyncLocalStorage<string>();

  constructor(options: SimConnectorOptions) {
    this.name = options.name;
    this.apiKey = options.apiKey;
    this.backbone = options.backbone;
    this.logger = options.logger;
    this.eventDialect = options.eventDialect ?? "v6";
    this.identity = options.backbone.createIdentity();
    this.bus = new EventBus(options.logger);
    this.syncRequests = new InFlightGauge(options.allSyncRequests);
  }

  get address(): string {
    return this.identity.address;
  }

  /** Runs `fn` with a correlation id, as the Connector does per HTTP request and per sync run. */
  withCorrelationId<T>(correlationId: string | undefined, fn: () => T): T {
    return this.correlation.run(correlationId ?? randomUUID(), fn);
  }

  get correlationId(): string | undefined {
    return this.correlation.getStore();
  }

  publish(namespace: string, data: unknown, options: { synthetic?: true } = {}): void {
    this.bus.publish({
      namespace,
      eventTargetAddress: this.address,
      data,
      correlationId: this.correlationId,
      ...options,
    });
  }

  dtoContext(): DtoContext {
    return {
      self: this.address,
      template: (id) => this.store.templates.get(id),
      publicKeyOf: (address) => this.backbone.identity(address)?.publicKey ?? "",
    };
  }

  findOrThrow<T>(map: Map<string, T>, id: string, entityName: string): T {
    const record = map.get(id);
    if (!record) throw recordNotFound(entityName);
    return record;
  }
}
