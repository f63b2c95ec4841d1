/** api-gateway called as an operator would, with the bootstrap admin key: JSON in, status and JSON out. */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of the hub's API, read by field
export type ApiAnswer = { status: number; json: Record<string, any> };
export type HubApi = (method: string, path: string, body?: unknown) => Promise<ApiAnswer>;

export function createHubApi(gatewayUrl: string, apiKey: string): HubApi {
  return async (method, path, body) => {
    const response = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers: { "x-api-key": apiKey, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    return { status: response.status, json: (text === "" ? {} : JSON.parse(text)) as ApiAnswer["json"] };
  };
}

/** The answer's `result`, or an error naming the call when the status is not the expected one. */
export async function expectStatus(answer: Promise<ApiAnswer>, status: number, what: string) {
  const { status: actual, json } = await answer;
  if (actual !== status) throw new Error(`${what}: api-gateway answered ${actual}: ${JSON.stringify(json)}`);
  return json.result;
}
