/**
 * A keep-alive HTTP receiver answering 200 after `delayMs` (argv[2], default 0: at once), as a
 * receiver on a network would; sends its URL to the parent process (IPC).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

const delayMs = Number(process.argv[2] ?? 0);
const server = http.createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  request.resume();
  request.on("end", () => {
    if (delayMs > 0) setTimeout(() => response.writeHead(200).end(), delayMs);
    else response.writeHead(200).end();
  });
});
server.listen(0, "127.0.0.1", () => {
  process.send?.(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on("disconnect", () => process.exit(0));
