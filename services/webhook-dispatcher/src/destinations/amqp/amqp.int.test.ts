import { randomBytes } from "node:crypto";
import { connect as connectTcp, createServer, type AddressInfo, type Socket } from "node:net";
import {
  createLogger,
  createSecretBox,
  createSsrfPolicy,
  destinationConfigSealing,
  type ClaimedDelivery,
} from "@event-hub/shared";
import { connect, type Channel, type ChannelModel, type GetMessage } from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { claimedDelivery } from "../../../test/claimed-delivery.ts";
import { createAmqpConnections, type AmqpConnections } from "./amqp-connections.ts";
import { publishToAmqp } from "./publish-amqp.ts";

// The AMQP destination against the real RabbitMQ (127.0.0.1:5672, guest/guest): one exchange and
// queue per test, created here as an operator would (the hub never declares them).
const AMQP_URL = process.env.AMQP_TEST_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const logger = createLogger({ service: "amqp-test", level: "silent" });
const secrets = createSecretBox({ key: randomBytes(32).toString("base64") });

const deliveryOf = (trigger: string, extra: Partial<ClaimedDelivery> = {}): ClaimedDelivery =>
  claimedDelivery({
    id: uniqueName("dlv"),
    eventId: uniqueName("evt"),
    destinationId: "whk_test",
    trigger,
    dataText: '{"id":"MSG1", "n":1}',
    ...extra,
  });

describe("AMQP destination", () => {
  let admin: ChannelModel;
  let channel: Channel;
  let connections: AmqpConnections;

  beforeAll(async () => {
    admin = await connect(AMQP_URL);
    channel = await admin.createChannel();
    connections = createAmqpConnections(logger, {
      connectTimeoutMs: 2000,
      backoff: { initialMs: 60_000, maxMs: 60_000 },
      policy: createSsrfPolicy(["127.0.0.0/8", "::1"]), // the test broker is on loopback
      idleCloseMs: 600_000,
    });
  });

  afterAll(async () => {
    await connections?.close();
    await admin?.close();
  });

  /** A topic exchange with one exclusive queue bound by `pattern`. */
  const exchangeWithQueue = async (pattern: string, queueArgs: Record<string, unknown> = {}) => {
    const exchange = uniqueName("hub-test");
    await channel.assertExchange(exchange, "topic", { durable: false, autoDelete: true });
    const { queue } = await channel.assertQueue("", { exclusive: true, arguments: queueArgs });
    await channel.bindQueue(queue, exchange, pattern);
    return { exchange, queue };
  };
  const take = async (queue: string): Promise<GetMessage> => {
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (message) return message;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const target = (exchange: string, routingKey?: string, url = AMQP_URL) => ({
    id: "whk_test",
    timeoutMs: 5000,
    config: {
      urlSealed: secrets.seal(url, destinationConfigSealing("whk_test", "urlSealed")),
      exchange,
      ...(routingKey ? { routingKey } : {}),
    },
  });

  it("publishes persistent, confirmed messages: routing key = trigger, body = data, id and headers", async () => {
    const { exchange, queue } = await exchangeWithQueue("#");
    const delivery = deliveryOf("transport.messageReceived");
    const result = await publishToAmqp({ connections, secrets }, delivery, target(exchange));
    expect(result).toMatchObject({ kind: "response", status: 200 });

    const message = await take(queue);
    expect(message.fields.routingKey).toBe("transport.messageReceived");
    expect(message.content.toString()).toBe(delivery.dataText);
    expect(message.properties).toMatchObject({
      deliveryMode: 2,
      contentType: "application/json",
      messageId: delivery.eventId,
      timestamp: 1767225600,
      appId: "connector-event-hub",
      headers: { trigger: "transport.messageReceived", connectorId: "acme", correlationId: "corr-1" },
    });
  });

  it("fills a routing key template", async () => {
    const { exchange, queue } = await exchangeWithQueue("acme.#");
    const delivery = deliveryOf("consumption.attributeCreated");
    await publishToAmqp({ connections, secrets }, delivery, target(exchange, "{{connectorId}}.{{trigger}}"));
    expect((await take(queue)).fields.routingKey).toBe("acme.consumption.attributeCreated");
  });

  it("reports a missing exchange clearly and keeps publishing to the others on the same broker", async () => {
    const missing = uniqueName("missing");
    const result = await publishToAmqp({ connections, secrets }, deliveryOf("transport.x"), target(missing));
    expect(result).toMatchObject({
      kind: "failure",
      failure: "exchange_not_found",
      message: `exchange "${missing}" does not exist`,
    });

    const { exchange, queue } = await exchangeWithQueue("#");
    const delivery = deliveryOf("transport.messageSent");
    expect(await publishToAmqp({ connections, secrets }, delivery, target(exchange))).toMatchObject({
      kind: "response",
    });
    expect((await take(queue)).properties.messageId).toBe(delivery.eventId);
  });

  it("turns the broker's nack (queue full, reject-publish) into a retryable broker_nack", async () => {
    const { exchange } = await exchangeWithQueue("#", { "x-max-length": 0, "x-overflow": "reject-publish" });
    const result = await publishToAmqp({ connections, secrets }, deliveryOf("transport.x"), target(exchange));
    expect(result).toMatchObject({ kind: "failure", failure: "broker_nack" });
  });

  it("fails fast while backing off from an unreachable broker, without hiding the cause", async () => {
    const dead = target("events", undefined, "amqp://guest:secret-pw@127.0.0.1:9");
    const first = await publishToAmqp({ connections, secrets }, deliveryOf("transport.x"), dead);
    expect(first).toMatchObject({ kind: "failure", failure: "broker_unreachable" });
    expect(first.kind === "failure" && first.message).toMatch(/ECONNREFUSED/);

    const second = await publishToAmqp({ connections, secrets }, deliveryOf("transport.x"), dead);
    expect(second).toMatchObject({ kind: "failure", failure: "broker_unreachable" });
    expect(second.kind === "failure" && second.message).toMatch(/next connection attempt in \d+ s/);
    expect(JSON.stringify([first, second])).not.toContain("secret-pw");
  });

  it("refuses a broker on a private address unless SSRF_ALLOW covers it, as for webhooks", async () => {
    const strict = createAmqpConnections(logger, {
      connectTimeoutMs: 2000,
      backoff: { initialMs: 60_000, maxMs: 60_000 },
      policy: createSsrfPolicy([]),
      idleCloseMs: 600_000,
    });
    try {
      const { exchange, queue } = await exchangeWithQueue("#");
      const deps = { connections: strict, secrets };
      const byAddress = await publishToAmqp(deps, deliveryOf("transport.x"), target(exchange));
      expect(byAddress).toMatchObject({ kind: "failure", failure: "ssrf_blocked" });
      // A name is resolved when connecting and refused for the address it resolves to.
      const byName = target(exchange, undefined, AMQP_URL.replace("127.0.0.1", "localhost"));
      const first = await publishToAmqp(deps, deliveryOf("transport.x"), byName);
      expect(first).toMatchObject({ kind: "failure", failure: "ssrf_blocked" });
      expect(first.kind === "failure" && first.message).toMatch(/localhost resolves to .*not allowed/);
      const again = await publishToAmqp(deps, deliveryOf("transport.x"), byName);
      expect(again).toMatchObject({ kind: "failure", failure: "ssrf_blocked" });
      expect(await channel.get(queue)).toBe(false);
    } finally {
      await strict.close();
    }
  });

  it("closes a connection no publish used for the idle time, and opens it again when needed", async () => {
    const idle = createAmqpConnections(logger, {
      connectTimeoutMs: 2000,
      backoff: { initialMs: 100, maxMs: 100 },
      policy: createSsrfPolicy(["127.0.0.0/8"]),
      idleCloseMs: 300,
    });
    try {
      const { exchange, queue } = await exchangeWithQueue("#");
      const deps = { connections: idle, secrets };
      const publish = () => publishToAmqp(deps, deliveryOf("transport.x"), target(exchange));
      expect(await publish()).toMatchObject({ kind: "response", status: 200 });
      expect(idle.openConnections()).toBe(1);
      await expect.poll(() => idle.openConnections(), { timeout: 5000 }).toBe(0);
      expect(await publish()).toMatchObject({ kind: "response", status: 200 });
      expect(idle.openConnections()).toBe(1);
      await take(queue);
      await take(queue);
    } finally {
      await idle.close();
    }
  });

  it("fails the publishes in flight when the connection is lost, and reconnects for the next ones", async () => {
    // Through a TCP proxy whose sockets the test cuts: a lost network, not a polite close that
    // would let the broker confirm everything first.
    const proxy = await startCuttableProxy(5672);
    try {
      const { exchange, queue } = await exchangeWithQueue("#");
      const url = `amqp://guest:guest@127.0.0.1:${proxy.port}`;
      const outcomes: Array<{ eventId: string; ok: boolean; failure?: string }> = [];
      let stopAfter = Infinity;
      while (outcomes.length < stopAfter) {
        await Promise.all(
          Array.from({ length: 10 }, async () => {
            const delivery = deliveryOf("transport.x");
            const result = await publishToAmqp(
              { connections, secrets },
              delivery,
              target(exchange, undefined, url),
            );
            outcomes.push({
              eventId: delivery.eventId,
              ok: result.kind === "response",
              ...(result.kind === "failure" ? { failure: result.failure } : {}),
            });
            if (outcomes.length === 50) {
              proxy.cut(); // with publishes of this batch still waiting for their confirms
              stopAfter = 150;
            }
          }),
        );
      }

      const failed = outcomes.filter((o) => !o.ok);
      console.log(
        `connection cut: ${outcomes.length} publishes, ${failed.length} failed ` +
          JSON.stringify([...new Set(failed.map((o) => o.failure))]),
      );
      expect(failed.length).toBeGreaterThan(0);
      expect(
        [...new Set(failed.map((o) => o.failure))].filter(
          (c) => c !== "broker" && c !== "broker_unreachable",
        ),
      ).toEqual([]);
      expect(outcomes.at(-1)?.ok).toBe(true); // reconnected
      // What failed is what the retry sends again: afterwards every message is there at least once.
      for (const { eventId } of failed) {
        const retry = await publishToAmqp(
          { connections, secrets },
          deliveryOf("transport.x", { eventId }),
          target(exchange, undefined, url),
        );
        expect(retry).toMatchObject({ kind: "response" });
      }
      const ids = new Set<string>();
      for (
        let m = await channel.get(queue, { noAck: true });
        m;
        m = await channel.get(queue, { noAck: true })
      )
        ids.add(String(m.properties.messageId));
      expect(outcomes.filter((o) => !ids.has(o.eventId))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it("answers a URL it cannot open as a config failure", async () => {
    const broken = { ...target("events"), config: { urlSealed: "not-sealed", exchange: "events" } };
    expect(await publishToAmqp({ connections, secrets }, deliveryOf("transport.x"), broken)).toMatchObject({
      kind: "failure",
      failure: "config",
    });
  });
});

/** Forwards TCP to the broker; `cut()` destroys every open socket at once, as a lost network would. */
async function startCuttableProxy(targetPort: number) {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
  };
  const server = createServer((client) => {
    const upstream = connectTcp(targetPort, "127.0.0.1");
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const cut = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: (server.address() as AddressInfo).port,
    cut,
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}
