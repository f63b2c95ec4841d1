import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { errorEnvelope } from "@event-hub/shared";

type ClientError = Error & { code?: string };

const ANSWERS: Record<string, { status: number; code: string; message: string }> = {
  // node's request and headers timeouts both end in this code.
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: "error.hub.http.requestTimeout",
    message: "The request was not received in time; the connection is closed.",
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: "error.hub.http.requestHeaderFieldsTooLarge",
    message: "The request headers are too large.",
  },
};

const MALFORMED = {
  status: 400,
  code: "error.hub.http.badRequest",
  message: "The request is not valid HTTP.",
};

/**
 * fastify's clientErrorHandler: what node could not hand to a route (a client too slow with its
 * headers or body, headers too large, bytes that are not HTTP) is answered in the Connector's error
 * envelope like every other error, then the connection is closed, as fastify's default does.
 */
export function answerClientError(error: ClientError, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const answer = ANSWERS[error.code ?? ""] ?? MALFORMED;
  const body = JSON.stringify(errorEnvelope(answer.code, answer.message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
