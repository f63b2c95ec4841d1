/**
 * The load: events posted through the real ingest route at a steady rate, as a Connector's webhooks
 * module posts them (`{trigger, data}` with its ApiKey), each carrying a data id of its own. Requests
 * are sent on a schedule, not one after the other, so a slow or refusing hub does not slow the
 * Connector down (it does not wait either). What ingest answered is half of the verdict.
 */

export type IngestTarget = { url: string; authentication: { headerName: string; apiKey: string } };

export type SentEvent = {
  dataId: string;
  /** The event id ingest answered with 2xx; undefined when it did not accept the event. */
  eventId: string | undefined;
  /** The HTTP status, or 0 when no answer came (refused connection, timeout). */
  status: number;
};

export type LoadPlan = { count: number; ratePerSecond: number; trigger: string };

export type RunningLoad = {
  /** Events whose answer has come so far. */
  answered(): number;
  /** Resolves with every event once each has its answer. */
  finished: Promise<{ sent: SentEvent[]; endedAtMs: number }>;
};

const REQUEST_TIMEOUT_MS = 15_000;

export function startIngestLoad(target: IngestTarget, plan: LoadPlan, dataIdPrefix: string): RunningLoad {
  const sent: SentEvent[] = [];
  const startedAt = performance.now();
  const intervalMs = 1000 / plan.ratePerSecond;
  const posts: Array<Promise<void>> = [];
  const finished = (async () => {
    for (let seq = 0; seq < plan.count; seq += 1) {
      const waitMs = startedAt + seq * intervalMs - performance.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      const dataId = `${dataIdPrefix}-${seq}`;
      posts.push(
        postEvent(target, plan.trigger, { chaosDataId: dataId, seq }).then((answer) => {
          sent.push({ dataId, ...answer });
        }),
      );
    }
    await Promise.all(posts);
    return { sent, endedAtMs: Date.now() };
  })();
  return { answered: () => sent.length, finished };
}

async function postEvent(
  target: IngestTarget,
  trigger: string,
  data: unknown,
): Promise<{ eventId: string | undefined; status: number }> {
  try {
    const response = await fetch(target.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [target.authentication.headerName]: target.authentication.apiKey,
      },
      body: JSON.stringify({ trigger, data }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (response.status < 200 || response.status >= 300)
      return { eventId: undefined, status: response.status };
    return { eventId: (JSON.parse(text) as { result: { id: string } }).result.id, status: response.status };
  } catch {
    return { eventId: undefined, status: 0 };
  }
}
