/** api-gateway called with a key, as an operator would: JSON in, the status and the JSON body out. */

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies under test

export type AdminApi = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; json: Json }>;

/** `json` is `{}` when the answer has no body (204). */
export function createAdminApi(gatewayUrl: string, apiKey: string): AdminApi {
  return async (method, path, body) => {
    const response = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers: {
        "x-api-key": apiKey,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: (text === "" ? {} : JSON.parse(text)) as Json };
  };
}
