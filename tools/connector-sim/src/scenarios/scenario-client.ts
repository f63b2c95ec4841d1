/**
 * The small REST client scenarios drive Connectors with (any Connector, real or simulated): it
 * speaks `/api/v2` by default, unwraps `{result}` and throws the Connector's `{error}` as an Error.
 */
export type ScenarioClient = {
  address: string;
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
};

export async function createScenarioClient(
  baseUrl: string,
  apiKey: string,
  apiPrefix = "/api/v2",
): Promise<ScenarioClient> {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}${apiPrefix}${path}`, {
      method,
      headers: { "x-api-key": apiKey, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status === 204) return undefined as T;
    const payload = (await response.json()) as { result?: T; error?: { code: string; message: string } };
    if (!response.ok || payload.error) {
      throw new Error(
        `${method} ${path} → ${response.status} ${payload.error?.code}: ${payload.error?.message}`,
      );
    }
    return payload.result as T;
  };
  const identity = await call<{ address: string }>("GET", "/Account/IdentityInfo");
  return { address: identity.address, call };
}
