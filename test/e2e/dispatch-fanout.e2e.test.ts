import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { connect, type Channel, type ChannelModel, type GetMessage } from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import type { AdminApi, Json } from "./admin-api.ts";
import { postIngestEvent, registerConnector, type IngestEndpoint } from "./connector-ingest.ts";
import { startHub, type TestHub } from "./hub.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

// The real services: a Connector registered and destinations created through api-gateway, events
// posted to sync-worker's ingest, delivered by webhook-dispatcher to local webhook receivers and to
// the real RabbitMQ (127.0.0.1:5672, guest/guest).
const AMQP_URL = process.env.AMQP_TEST_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const run = promisify(execFile);

describe("fan-out to webhooks and AMQP", () => {
  const connectorId = uniqueName("fanout");
  let hub: TestHub;
  let ingest: IngestEndpoint;
  const receivers: Receiver[] = [];
  let broker: ChannelModel | undefined;
  let channel: Channel;
  /** Durable exchanges and queues outlive the test's connection: deleted in afterAll even on failure. */
  const durable: { exchanges: string[]; queues: string[] } = { exchanges: [], queues: [] };

  const api: AdminApi = (...call) => hub.api(...call);
  const ingestEvent = (trigger: string, data: unknown): Promise<string> =>
    postIngestEvent(ingest, { trigger, data });
  const createDestination = async (input: Json): Promise<string> => {
    const created = await api("POST", "/v1/webhooks", { connectorIds: [connectorId], ...input });
    expect(created.status).toBe(201);
    return created.json.result.id;
  };
  const openBroker = async (): Promise<void> => {
    broker = await connect(AMQP_URL);
    broker.on("error", () => undefined); // a restarted broker closes it; the test opens a new one
    channel = await broker.createChannel();
  };
  /** Every message in the queue now, taken off it. */
  const drain = async (queue: string): Promise<GetMessage[]> => {
    const messages: GetMessage[] = [];
    for (let message = await channel.get(queue, { noAck: true }); message;) {
      messages.push(message);
      message = await channel.get(queue, { noAck: true });
    }
    return messages;
  };

  beforeAll(async () => {
    await openBroker();
    hub = await startHub({
      extraEnv: {
        DELIVERY_POLL_INTERVAL_MS: "100",
        BREAKER_COOLDOWN_SECONDS: "0.5",
        AMQP_RECONNECT_INITIAL_MS: "200",
        AMQP_RECONNECT_MAX_MS: "1000",
      },
    });
    ingest = await registerConnector(api, {
      id: connectorId,
      name: "Fan-out",
      baseUrl: "http://127.0.0.1:9",
    });
  });

  afterAll(async () => {
    await hub?.services.stop();
    for (const receiver of receivers) await receiver.close();
    for (const queue of durable.queues) await channel.deleteQueue(queue).catch(() => undefined);
    for (const exchange of durable.exchanges) await channel.deleteExchange(exchange).catch(() => undefined);
    await broker?.close().catch(() => undefined);
  });

  it("one event reaches 3 matching webhooks and 1 AMQP exchange; wildcards; transport.* gets exactly the transport events", async () => {
    const exchange = uniqueName("hub-fanout");
    await channel.assertExchange(exchange, "topic", { durable: false, autoDelete: false });
    const transportQueue = (await channel.assertQueue("", { exclusive: true })).queue;
    const everythingQueue = (await channel.assertQueue("", { exclusive: true })).queue;
    await channel.bindQueue(transportQueue, exchange, "transport.*");
    await channel.bindQueue(everythingQueue, exchange, "#");

    const [exact, oneSegment, anything, nonMatching] = await Promise.all(
      [1, 2, 3, 4].map(() => startReceiver()),
    );
    receivers.push(exact!, oneSegment!, anything!, nonMatching!);
    const ids = {
      exact: await createDestination({ url: `${exact!.url}/exact`, triggers: ["transport.messageReceived"] }),
      oneSegment: await createDestination({ url: `${oneSegment!.url}/one`, triggers: ["transport.*"] }),
      anything: await createDestination({ url: `${anything!.url}/any`, triggers: ["**"] }),
      nonMatching: await createDestination({
        url: `${nonMatching!.url}/none`,
        triggers: ["transport.messageSent", "consumption.*.x", "*"],
      }),
      amqp: await createDestination({ type: "amqp", triggers: ["**"], amqp: { url: AMQP_URL, exchange } }),
    };

    const events = {
      received: await ingestEvent("transport.messageReceived", { id: "MSG1", n: 1 }),
      relationship: await ingestEvent("transport.relationshipChanged", { id: "REL1", n: 2 }),
      attribute: await ingestEvent("consumption.attributeCreated", { id: "ATT1", n: 3 }),
    };

    // Deliveries are stored with their event, so once each event's are all delivered, none can follow.
    const deliveredTo = async (eventId: string) =>
      ((await api("GET", `/v1/events/${eventId}`)).json.result.deliveries as Json[])
        .filter((d) => d.status === "delivered")
        .map((d) => d.destinationId)
        .sort();
    const expected = {
      received: [ids.exact, ids.oneSegment, ids.anything, ids.amqp],
      relationship: [ids.oneSegment, ids.anything, ids.amqp],
      attribute: [ids.anything, ids.amqp],
    };
    for (const [name, destinations] of Object.entries(expected)) {
      await expect
        .poll(() => deliveredTo(events[name as keyof typeof events]), { timeout: 30_000 })
        .toEqual(destinations.sort());
    }
    const all = (await api("GET", `/v1/events/${events.received}`)).json.result.deliveries as Json[];
    expect(all.map((d) => d.destinationId)).not.toContain(ids.nonMatching);

    const triggersOf = (receiver: Receiver) =>
      receiver.received.map((r) => JSON.parse(r.body).trigger).sort();
    expect(triggersOf(exact!)).toEqual(["transport.messageReceived"]);
    expect(triggersOf(oneSegment!)).toEqual(["transport.messageReceived", "transport.relationshipChanged"]);
    expect(triggersOf(anything!)).toEqual([
      "consumption.attributeCreated",
      "transport.messageReceived",
      "transport.relationshipChanged",
    ]);
    expect(nonMatching!.received).toEqual([]);
    expect(JSON.parse(exact!.received[0]?.body ?? "")).toEqual({
      trigger: "transport.messageReceived",
      data: { id: "MSG1", n: 1 },
    });

    const transport = await drain(transportQueue);
    expect(transport.map((m) => m.properties.messageId).sort()).toEqual(
      [events.received, events.relationship].sort(),
    );
    const everything = await drain(everythingQueue);
    expect(everything.map((m) => m.fields.routingKey).sort()).toEqual([
      "consumption.attributeCreated",
      "transport.messageReceived",
      "transport.relationshipChanged",
    ]);
    const received = everything.find((m) => m.properties.messageId === events.received);
    expect(JSON.parse(received?.content.toString() ?? "")).toEqual({ id: "MSG1", n: 1 });
    expect(received?.properties).toMatchObject({
      deliveryMode: 2,
      contentType: "application/json",
      headers: { trigger: "transport.messageReceived", connectorId },
    });
    await channel.deleteExchange(exchange);
    // Out of the way of the next test, which posts transport events of the same Connector.
    for (const id of Object.values(ids)) {
      expect((await api("DELETE", `/v1/webhooks/${id}`)).status).toBe(204);
    }
  });

  it("loses nothing when RabbitMQ is restarted mid-run (every event at least once by message-id)", async () => {
    const exchange = uniqueName("hub-restart");
    const queue = uniqueName("hub-restart");
    // Durable, so they and the confirmed (persistent) messages survive the restart.
    durable.exchanges.push(exchange);
    durable.queues.push(queue);
    await channel.assertExchange(exchange, "topic", { durable: true });
    await channel.assertQueue(queue, { durable: true });
    await channel.bindQueue(queue, exchange, "#");
    const destinationId = await createDestination({
      type: "amqp",
      triggers: ["transport.*"],
      amqp: { url: AMQP_URL, exchange },
      timeoutMs: 2000,
      retry: { scheduleSeconds: Array.from({ length: 50 }, () => 1) },
    });

    const eventIds: string[] = [];
    const post = async (count: number) => {
      for (let i = 0; i < count; i += 1)
        eventIds.push(await ingestEvent("transport.messageReceived", { n: eventIds.length }));
    };
    const phases: Record<string, number> = {};
    let started = performance.now();
    const phase = (name: string) => {
      phases[name] = Math.round(performance.now() - started);
      started = performance.now();
    };
    let isStopped = false;
    try {
      await post(50);
      phase("post50Ms");
      await run("rabbitmqctl", ["stop_app"]);
      isStopped = true;
      phase("stopAppMs");
      await post(50); // stored by the hub while the broker is down
      phase("post50WhileDownMs");
      await run("rabbitmqctl", ["start_app"]);
      isStopped = false;
      await run("rabbitmqctl", ["await_startup"]);
      phase("startAppMs");
    } finally {
      if (isStopped) await run("rabbitmqctl", ["start_app"]);
    }
    await openBroker();
    await post(50);
    phase("post50AfterMs");

    // Wait until every event has a delivered delivery: "nothing pending" alone can hold while the
    // last events are still on their way through ingest and the consumer.
    const countWith = async (status: string) =>
      (await api("GET", `/v1/deliveries?destinationId=${destinationId}&status=${status}&limit=200`)).json
        .result.length;
    await expect.poll(() => countWith("delivered"), { timeout: 60_000, interval: 250 }).toBe(eventIds.length);
    phase("drainedMs");
    expect(await countWith("failed")).toBe(0);
    expect(await countWith("parked")).toBe(0);

    // The restart must have hit publishes: attempts that failed for lack of a broker, then retried.
    const metrics = await (await fetch(`${hub.services.urls.webhookDispatcher}/metrics`)).text();
    const attempts = Object.fromEntries(
      [...metrics.matchAll(/^hub_dispatch_attempts_total\{[^}]*outcome="(\w+)"[^}]*\} (\d+)/gm)].map((m) => [
        m[1],
        Number(m[2]),
      ]),
    );
    expect((attempts.broker_unreachable ?? 0) + (attempts.broker ?? 0)).toBeGreaterThan(0);
    // One connection to the broker again after the restart (the test's URL is the only one).
    expect(metrics).toMatch(/^hub_dispatch_amqp_connections\{[^}]*\} 1$/m);

    const messageIds = (await drain(queue)).map((m) => String(m.properties.messageId));
    const unique = new Set(messageIds);
    const missing = eventIds.filter((id) => !unique.has(id));
    console.log(
      `AMQP restart: ${eventIds.length} events, ${messageIds.length} messages, ` +
        `${messageIds.length - unique.size} duplicates, ${missing.length} missing; ` +
        `attempts by outcome ${JSON.stringify(attempts)}; phases ${JSON.stringify(phases)}`,
    );
    expect(missing).toEqual([]);
  });
});
