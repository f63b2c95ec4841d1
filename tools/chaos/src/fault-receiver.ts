import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Webhook } from "standardwebhooks";
import { LOOPBACK } from "@event-hub/local-stack/free-port";
import { dataIdOf, type Receipt, type ReceiptSource } from "./receipt.ts";

/**
 * A Standard Webhooks receiver whose behaviour a scenario changes while it runs (as svix's tests
 * do): it records every request it answers, with the event id (`webhook-id`), the data id from the
 * body, whether the signature verifies, and whether it answered 2xx.
 */

export type ReceiverFault =
  /** Answers 204 at once. */
  | { kind: "healthy" }
  /** Answers 204 after `delayMs`. */
  | { kind: "slow"; delayMs: number }
  /** Answers 503 to a random `failureRatio` of requests, 204 to the rest. */
  | { kind: "flaky"; failureRatio: number }
  /** Answers 410 Gone: the endpoint asks to be disabled. */
  | { kind: "gone" }
  /** Not listening: connections are refused. */
  | { kind: "down" };

export type FaultReceiver = ReceiptSource & {
  url: string;
  /** Switches the fault; `down` closes the port, anything else opens it again (same port). */
  setFault(fault: ReceiverFault): Promise<void>;
  /** The signing secret of the destination, once it is created (before, signatures count as unchecked). */
  setSigningSecret(secret: string): void;
  /** Requests answered so far, by status (e.g. `{"204": 510, "503": 212}`). */
  answeredByStatus(): Record<string, number>;
};

export async function startFaultReceiver(random: () => number = Math.random): Promise<FaultReceiver> {
  const receipts: Receipt[] = [];
  const answered: Record<string, number> = {};
  let fault: ReceiverFault = { kind: "healthy" };
  let verifier: Webhook | undefined;
  const sockets = new Set<Socket>();

  const answer = async (request: IncomingMessage, body: string, response: ServerResponse) => {
    const status = statusFor(fault, random);
    const delayMs = fault.kind === "slow" ? fault.delayMs : 0;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    receipts.push({
      eventId: String(request.headers["webhook-id"] ?? ""),
      dataId: dataIdOfBody(body),
      isAccepted: status < 300,
      isSignatureValid: verify(verifier, body, request),
      atMs: Date.now(),
    });
    answered[status] = (answered[status] ?? 0) + 1;
    response.writeHead(status).end();
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => void answer(request, Buffer.concat(chunks).toString("utf8"), response));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await listen(server, 0);
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${LOOPBACK}:${port}/hooks`,
    receipts: () => receipts,
    answeredByStatus: () => ({ ...answered }),
    setSigningSecret: (secret) => (verifier = new Webhook(secret)),
    setFault: async (next) => {
      const wasDown = fault.kind === "down";
      fault = next;
      if (next.kind === "down" && !wasDown) await close(server, sockets);
      if (next.kind !== "down" && wasDown) await listen(server, port);
    },
    close: () => (fault.kind === "down" ? Promise.resolve() : close(server, sockets)),
  };
}

function statusFor(fault: ReceiverFault, random: () => number): number {
  switch (fault.kind) {
    case "gone":
      return 410;
    case "flaky":
      return random() < fault.failureRatio ? 503 : 204;
    default:
      return 204;
  }
}

function dataIdOfBody(body: string): string | undefined {
  try {
    return dataIdOf((JSON.parse(body) as { data?: unknown }).data);
  } catch {
    return undefined;
  }
}

function verify(verifier: Webhook | undefined, body: string, request: IncomingMessage): boolean | undefined {
  if (!verifier) return undefined;
  try {
    verifier.verify(body, request.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LOOPBACK, () => {
      server.removeListener("error", reject);
      resolve();
    });
  });
}

function close(server: ReturnType<typeof createServer>, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
}
