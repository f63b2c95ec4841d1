import { connect } from "node:net";

/**
 * An HTTP/1.1 request written by hand on a TCP socket, for what a normal client cannot do: send
 * a head that promises more body than it sends, or dribble bytes one at a time.
 */

export type SocketAnswer =
  | { status: number; headers: Record<string, string>; text: string; afterMs: number }
  | { closedAfterMs: number };

export type OpenRequest = {
  write(bytes: string | Buffer): void;
  /** The answer (or the server closing the connection) as soon as either comes. */
  answer: Promise<SocketAnswer>;
  close(): void;
};

export function openRequest(baseUrl: string, head: string, firstBytes: string | Buffer = ""): OpenRequest {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  const started = Date.now();
  let received = Buffer.alloc(0);
  const answer = new Promise<SocketAnswer>((resolve) => {
    const finish = () => resolve(parseAnswer(received.toString("latin1"), Date.now() - started));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const text = received.toString("latin1");
      const headEnd = text.indexOf("\r\n\r\n");
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headEnd))?.[1];
      if (headEnd !== -1 && length !== undefined && received.length >= headEnd + 4 + Number(length)) finish();
    });
    socket.on("close", finish);
    socket.on("error", () => undefined); // a reset is an answer too: "close" follows
  });
  socket.write(head);
  if (firstBytes.length > 0) socket.write(firstBytes);
  return {
    write: (bytes) => void (socket.writable && socket.write(bytes)),
    answer,
    close: () => void socket.destroy(),
  };
}

function parseAnswer(text: string, afterMs: number): SocketAnswer {
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
  if (!status) return { closedAfterMs: afterMs };
  const headEnd = text.indexOf("\r\n\r\n");
  const headers = Object.fromEntries(
    text
      .slice(0, headEnd)
      .split("\r\n")
      .slice(1)
      .map((line) => {
        const colon = line.indexOf(":");
        return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
      }),
  );
  return { status: Number(status), headers, text: text.slice(headEnd + 4), afterMs };
}

/** The request line and headers, ending with the blank line. */
export function requestHead(method: string, path: string, headers: Record<string, string>): string {
  const lines = Object.entries({ host: "localhost", connection: "close", ...headers }).map(
    ([name, value]) => `${name}: ${value}`,
  );
  return `${method} ${path} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`;
}

/** Waits for the answer at most `waitMs`; undefined: the server held on. */
async function answerWithin(request: OpenRequest, waitMs: number): Promise<SocketAnswer | undefined> {
  const outcome = await Promise.race([
    request.answer,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), waitMs)),
  ]);
  request.close();
  return outcome;
}

/**
 * Sends `start` then `byte` every `intervalMs` (a body, or a header that never ends), until the
 * server answers or closes, or `budgetMs` passes (then undefined: the server held on).
 */
export async function dribble(
  baseUrl: string,
  start: string,
  budgetMs: number,
  byte = "{",
  intervalMs = 1000,
): Promise<SocketAnswer | undefined> {
  const request = openRequest(baseUrl, start);
  const timer = setInterval(() => request.write(byte), intervalMs);
  const outcome = await answerWithin(request, budgetMs);
  clearInterval(timer);
  return outcome;
}

/**
 * A request whose head promises `contentLength` bytes (or a chunked body, when `headers` say so) of
 * which only the first 64 KB follow: the server must answer (413, or 401 for a wrong credential)
 * without waiting for the rest. Writing it all would race the server's close, and the reset that
 * follows loses the answer.
 */
export async function promiseBigBody(
  baseUrl: string,
  call: { method: string; path: string; headers: Record<string, string>; contentLength: number },
  waitMs = 5000,
): Promise<SocketAnswer | undefined> {
  const chunked = call.headers["transfer-encoding"] === "chunked";
  const first = Buffer.alloc(64 * 1024, " ");
  const head = requestHead(call.method, call.path, {
    ...(chunked ? {} : { "content-length": String(call.contentLength) }),
    ...call.headers,
  });
  const body = chunked
    ? Buffer.concat([Buffer.from(`${first.length.toString(16)}\r\n`), first, Buffer.from("\r\n")])
    : first;
  return answerWithin(openRequest(baseUrl, head, body), waitMs);
}
