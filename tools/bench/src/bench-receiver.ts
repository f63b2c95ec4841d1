import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { LOOPBACK } from "@event-hub/local-stack/free-port";

/**
 * The webhook receiver of the run: keep-alive, answers 204 as soon as a request's body is read, and
 * notes, per phase (the first path segment), when each event id (`webhook-id`) first arrived and
 * how many arrived again. `/raw` is the HTTP ceiling's route: counted, nothing noted. Times are
 * `performance.now()` of this process, the clock the load generator schedules its sends by.
 */

export type PhaseArrivals = {
  /** event id → performance.now() of its first arrival. */
  firstAt: Map<string, number>;
  duplicates: number;
  /** performance.now() of the latest first arrival. */
  lastAt: number;
};

export type BenchReceiver = {
  /** Base URL; a destination of phase `p` posts to `${url}/p/...`. */
  url: string;
  track(phase: string): PhaseArrivals;
  /** performance.now() of the latest request of any phase (0 before the first). */
  lastArrivalAt(): number;
  close(): Promise<void>;
};

export async function startBenchReceiver(): Promise<BenchReceiver> {
  const phases = new Map<string, PhaseArrivals>();
  const sockets = new Set<Socket>();
  let lastArrivalAt = 0;
  const note = (request: IncomingMessage): void => {
    const url = request.url ?? "";
    const end = url.indexOf("/", 1);
    const phase = phases.get(url.slice(1, end === -1 ? undefined : end));
    const id = request.headers["webhook-id"];
    if (!phase || typeof id !== "string") return;
    lastArrivalAt = performance.now();
    if (phase.firstAt.has(id)) {
      phase.duplicates += 1;
      return;
    }
    phase.lastAt = performance.now();
    phase.firstAt.set(id, phase.lastAt);
  };
  const server = createServer({ keepAliveTimeout: 60_000 }, (request, response: ServerResponse) => {
    request.on("end", () => {
      note(request);
      response.writeHead(204).end();
    });
    request.resume();
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${LOOPBACK}:${port}`,
    track: (phase) => {
      const arrivals: PhaseArrivals = { firstAt: new Map(), duplicates: 0, lastAt: 0 };
      phases.set(phase, arrivals);
      return arrivals;
    },
    lastArrivalAt: () => lastArrivalAt,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
