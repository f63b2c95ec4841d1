import { connect, type ChannelModel, type ConsumeMessage } from "amqplib";
import { dataIdOf, type Receipt, type ReceiptSource } from "./receipt.ts";

/**
 * The independent receiver of the AMQP scenario: a durable queue bound to the destination's durable
 * exchange (so it and the persistent messages outlive a broker restart), consumed with acks. When
 * the broker goes away it reconnects until it is back. A message the broker hands out again after a
 * restart (`redelivered`: its ack was lost with the connection) is not counted as a duplicate: the
 * hub sent it once.
 */

export type AmqpObserver = ReceiptSource;

const RECONNECT_DELAY_MS = 300;

export async function startAmqpObserver(url: string, exchange: string, queue: string): Promise<AmqpObserver> {
  const receipts: Receipt[] = [];
  const seen = new Set<string>();
  let connection: ChannelModel | undefined;
  let isClosed = false;

  const onMessage = (message: ConsumeMessage): Receipt | undefined => {
    const eventId = String(message.properties.messageId ?? "");
    if (message.fields.redelivered && seen.has(eventId)) return undefined;
    seen.add(eventId);
    return { eventId, dataId: dataIdOfContent(message.content), isAccepted: true, atMs: Date.now() };
  };
  const open = async (): Promise<void> => {
    const opened = await connect(url);
    opened.on("error", () => undefined); // a broker restart; the close handler reconnects
    opened.once("close", () => void reconnect());
    const channel = await opened.createChannel();
    await channel.assertExchange(exchange, "topic", { durable: true });
    await channel.assertQueue(queue, { durable: true });
    await channel.bindQueue(queue, exchange, "#");
    await channel.consume(queue, (message) => {
      if (!message) return;
      const receipt = onMessage(message);
      if (receipt) receipts.push(receipt);
      channel.ack(message);
    });
    connection = opened;
  };
  const reconnect = async (): Promise<void> => {
    connection = undefined;
    while (!isClosed) {
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
      if (isClosed) return;
      try {
        await open();
        return;
      } catch {
        // still down: try again
      }
    }
  };
  await open();
  return {
    receipts: () => receipts,
    close: async () => {
      isClosed = true;
      await connection?.close().catch(() => undefined);
    },
  };
}

function dataIdOfContent(content: Buffer): string | undefined {
  try {
    return dataIdOf(JSON.parse(content.toString("utf8")));
  } catch {
    return undefined;
  }
}
