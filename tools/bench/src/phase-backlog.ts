import { uniqueName } from "@event-hub/local-stack/test-names";
import type { createPubSub } from "@event-hub/shared";
import type { BenchReceiver, PhaseArrivals } from "./bench-receiver.ts";
import { encodedEvent } from "./bench-event.ts";
import type { HubApi } from "./hub-api.ts";
import { throughput, type Throughput } from "./throughput.ts";
import { waitUntil } from "@event-hub/local-stack/wait-until";

/**
 * (b) Dispatch of a backlog, as the old dispatch bench measured it: `events` events of `connectors`
 * Connectors published at once straight to the hub's topic (ordered by Connector, batched, as
 * sync-worker publishes them), every one to each of `destinations` webhooks; deliveries/s from the
 * first publish to the last delivery's arrival.
 */

export type BacklogResult = Throughput & {
  destinations: number;
  events: number;
  expected: number;
  duplicates: number;
};

type PubSub = ReturnType<typeof createPubSub>;

export async function runBacklog(
  parts: { api: HubApi; pubsub: PubSub; topicName: string; receiver: BenchReceiver },
  options: {
    destinations: number;
    events: number;
    connectors: number;
    maxInFlight: number;
    deadlineMs: number;
  },
): Promise<BacklogResult> {
  const phase = uniqueName(`bench-b${options.destinations}`);
  const connectorIds = Array.from({ length: options.connectors }, (_, i) => `${phase}-${i}`);
  for (const id of connectorIds) await parts.api.registerConnector(id);
  const arrivals: PhaseArrivals[] = [];
  for (let d = 0; d < options.destinations; d++) {
    const route = `${phase}-d${d}`;
    arrivals.push(parts.receiver.track(route));
    await parts.api.createWebhook({
      url: `${parts.receiver.url}/${route}/`,
      connectorIds,
      maxInFlight: options.maxInFlight,
    });
  }
  const topic = parts.pubsub.topic(parts.topicName, {
    messageOrdering: true,
    batching: { maxMessages: 100, maxMilliseconds: 5 },
  });
  const expected = options.events * options.destinations;
  const delivered = () => arrivals.reduce((sum, a) => sum + a.firstAt.size, 0);
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: options.events }, (_, seq) =>
      topic.publishMessage(encodedEvent(connectorIds[seq % connectorIds.length] ?? "", seq)),
    ),
  );
  await waitUntil(
    () => delivered() >= expected,
    "every delivery of the backlog",
    options.deadlineMs,
    50,
  ).catch(
    () => undefined, // what arrived by the deadline is the result; `expected` shows what did not
  );
  const lastAt = Math.max(startedAt, ...arrivals.map((a) => a.lastAt));
  const setting = `${options.events} events × ${options.destinations} destination(s), maxInFlight ${options.maxInFlight}`;
  return {
    ...throughput(delivered(), startedAt, lastAt, setting),
    destinations: options.destinations,
    events: options.events,
    expected,
    duplicates: arrivals.reduce((sum, a) => sum + a.duplicates, 0),
  };
}
