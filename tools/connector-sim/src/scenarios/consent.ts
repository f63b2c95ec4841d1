import { ensureRelationship } from "./onboarding.ts";
import type { ScenarioClient } from "./scenario-client.ts";

type Dto = Record<string, unknown> & { id: string };

export type ConsentResult = { requestId: string; requestMessageId: string; status: unknown; result: unknown };

/**
 * The consent flow of connector-events.md §4.3: A creates a Request with a ConsentRequestItem and
 * sends it in a Message; B syncs, accepts it manually; A syncs and its Request is Completed.
 */
export async function runConsent(a: ScenarioClient, b: ScenarioClient): Promise<ConsentResult> {
  await ensureRelationship(a, b);
  const request = await a.call<Dto & { content: Record<string, unknown> }>("POST", "/Requests/Outgoing", {
    content: {
      items: [
        {
          "@type": "ConsentRequestItem",
          mustBeAccepted: true,
          consent: "I agree that my data is processed for the newsletter.",
          link: "https://example.com/privacy",
        },
      ],
    },
    peer: b.address,
  });
  const message = await a.call<Dto>("POST", "/Messages", {
    recipients: [b.address],
    content: request.content,
  });
  await b.call("POST", "/Account/Sync");
  await b.call("PUT", `/Requests/Incoming/${request.id}/Accept`, { items: [{ accept: true }] });
  await a.call("POST", "/Account/Sync");
  const completed = await a.call<Dto & { response?: { content: { result: unknown } } }>(
    "GET",
    `/Requests/Outgoing/${request.id}`,
  );
  return {
    requestId: request.id,
    requestMessageId: message.id,
    status: completed.status,
    result: completed.response?.content.result,
  };
}
