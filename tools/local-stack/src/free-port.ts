import { createServer, type Server } from "node:net";

/** The loopback address every local process binds to (never `localhost`: IPv4/IPv6 mismatches). */
export const LOOPBACK = "127.0.0.1";

/**
 * A TCP port on 127.0.0.1 that is free right now (the OS picks it). Another process could take it
 * before the caller binds it; callers that spawn a server on it retry on "address in use".
 */
export async function findFreePort(): Promise<number> {
  const [port = 0] = await findFreePorts(1);
  return port;
}

/** `count` distinct free loopback ports: all are held open together, so the OS cannot repeat one. */
export async function findFreePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => listenOnAnyPort()));
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === "object" && address ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function listenOnAnyPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => resolve(server));
  });
}

/** True when nothing listens on 127.0.0.1:`port`, so a fixed-port server can be started there. */
export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}
