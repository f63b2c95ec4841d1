import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type TokenRequest = { headers: IncomingHttpHeaders; form: URLSearchParams };

/** A local OAuth2 token endpoint for one client; answers as an identity provider would. */
export type TokenEndpoint = {
  url: string;
  /** Every request, also refused ones. */
  requests: TokenRequest[];
  /** The tokens handed out, in order. */
  issued: string[];
  close(): Promise<void>;
};

export type TokenClient = { clientId: string; clientSecret: string; scope?: string };

/**
 * Hands out `token-1`, `token-2`, … living an hour, but only for a client-credentials request the way
 * the Connector's webhooks module sends it: a form body with `grant_type=client_credentials` (and the
 * scope, when configured) and HTTP Basic `clientId:clientSecret`. Anything else gets a 400 or 401, so a
 * wrong request shows up as a failed delivery, not just a differing record.
 */
export async function startTokenEndpoint(client: TokenClient): Promise<TokenEndpoint> {
  const requests: TokenRequest[] = [];
  const issued: string[] = [];
  const expectedBasic = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString("base64")}`;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      requests.push({ headers: request.headers, form });
      const answer = (status: number, body: object) =>
        response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (request.headers.authorization !== expectedBasic) return answer(401, { error: "invalid_client" });
      const isForm = request.headers["content-type"]?.startsWith("application/x-www-form-urlencoded");
      const isGrant = form.get("grant_type") === "client_credentials";
      if (request.method !== "POST" || !isForm || !isGrant || form.get("scope") !== (client.scope ?? null))
        return answer(400, { error: "invalid_request" });
      issued.push(`token-${issued.length + 1}`);
      answer(200, { access_token: issued.at(-1), token_type: "Bearer", expires_in: 3600 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/oauth/token`,
    requests,
    issued,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
