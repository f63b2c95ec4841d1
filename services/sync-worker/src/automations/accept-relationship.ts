import type { GuardedFetch } from "@event-hub/shared";
import { callConnectorApi, describeCallError } from "../connector-api/connector-call.ts";

/**
 * `PUT {baseUrl}{apiPrefix}/Relationships/{id}/Accept` through the SSRF-guarded client, classified:
 * accepted; final (the Connector refused for good, e.g. the relationship is no longer Pending); or
 * transient (retry later). An address SSRF_ALLOW does not cover is transient: the operator may
 * allow it, and until then the event waits like one for a Connector that is down.
 */
export type AcceptResult =
  { kind: "accepted" } | { kind: "final"; outcome: string } | { kind: "transient"; error: string };

export async function acceptRelationship(
  connectorFetch: GuardedFetch,
  request: {
    baseUrl: string;
    apiPrefix: string;
    apiKey: string;
    relationshipId: string;
    correlationId: string | undefined;
    timeoutMs: number;
  },
): Promise<AcceptResult> {
  const answer = await callConnectorApi(connectorFetch, {
    ...request,
    method: "PUT",
    path: `/Relationships/${encodeURIComponent(request.relationshipId)}/Accept`,
  });
  if (!answer.ok) return { kind: "transient", error: describeCallError(answer.url, answer.error) };
  const response = answer.response;
  const text = await response.text().catch(() => "");
  if (response.ok) return { kind: "accepted" };
  if (response.status === 408 || response.status === 429 || response.status >= 500) {
    return { kind: "transient", error: `HTTP ${response.status}` };
  }
  const code = errorCode(text);
  if (code === "error.transport.relationships.wrongRelationshipStatus")
    return { kind: "final", outcome: "notPending" };
  return { kind: "final", outcome: `refused: HTTP ${response.status} ${code ?? ""}`.trim() };
}

function errorCode(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}
