import { ensureRelationship } from "./onboarding.ts";
import type { ScenarioClient } from "./scenario-client.ts";

type Dto = Record<string, unknown> & { id: string };

/** A sends B a Mail, B syncs and answers, A syncs: two messageSent/messageReceived/messageProcessed rounds. */
export async function runMessageExchange(
  a: ScenarioClient,
  b: ScenarioClient,
): Promise<{ messageIds: string[] }> {
  await ensureRelationship(a, b);
  const mail = (from: ScenarioClient, to: ScenarioClient, subject: string) =>
    from.call<Dto>("POST", "/Messages", {
      recipients: [to.address],
      content: { "@type": "Mail", to: [to.address], subject, body: `${subject} from the connector-sim` },
    });
  const first = await mail(a, b, "Hello");
  await b.call("POST", "/Account/Sync");
  const reply = await mail(b, a, "Re: Hello");
  await a.call("POST", "/Account/Sync");
  return { messageIds: [first.id, reply.id] };
}
