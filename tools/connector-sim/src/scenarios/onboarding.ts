import type { ScenarioClient } from "./scenario-client.ts";
import { ScenarioPreconditionError } from "./scenario-precondition.ts";

type Dto = Record<string, unknown> & { id: string };

/** Connector 3–6 (`/api/v2`) answer `truncatedReference`, Connector 7 `reference: {truncated, url}`. */
type TemplateDto = Dto & { truncatedReference?: string; reference?: { truncated: string } };

export type OnboardingResult = { templateId: string; requestId: string; relationshipId: string };

/**
 * Template-based onboarding (connector-events.md §4.4): A offers a template whose onNewRelationship
 * Request holds a ConsentRequestItem; B loads it, accepts the Request (which creates the Pending
 * relationship); A syncs and accepts; B syncs and sees it Active. A and B must not share a Pending
 * or Active relationship yet: B would then get no Request from the template (the runtime answers
 * `onNewRelationship` only for a new one), so that is refused up front, saying so.
 */
export async function runOnboarding(a: ScenarioClient, b: ScenarioClient): Promise<OnboardingResult> {
  await refuseExistingRelationship(a, b);
  const template = await a.call<TemplateDto>("POST", "/RelationshipTemplates/Own", {
    content: {
      "@type": "RelationshipTemplateContent",
      title: "Connector Event Hub onboarding",
      onNewRelationship: {
        "@type": "Request",
        items: [
          { "@type": "ConsentRequestItem", mustBeAccepted: true, consent: "I accept the terms of use." },
        ],
      },
    },
    expiresAt: new Date(Date.now() + 24 * 3600 * 1000).toISOString(),
  });
  const reference = template.truncatedReference ?? template.reference?.truncated;
  await b.call("POST", "/RelationshipTemplates/Peer", { reference });
  const [request] = await b.call<Dto[]>("GET", `/Requests/Incoming?source.reference=${template.id}`);
  if (!request) throw new Error("B received no Request from the template");
  await b.call("PUT", `/Requests/Incoming/${request.id}/Accept`, { items: [{ accept: true }] });
  await a.call("POST", "/Account/Sync");
  const [relationship] = await a.call<Dto[]>("GET", `/Relationships?peer=${b.address}&status=Pending`);
  if (!relationship) throw new Error("A has no Pending relationship to B after its sync");
  await a.call("PUT", `/Relationships/${relationship.id}/Accept`);
  await b.call("POST", "/Account/Sync");
  return { templateId: template.id, requestId: request.id, relationshipId: relationship.id };
}

async function refuseExistingRelationship(a: ScenarioClient, b: ScenarioClient): Promise<void> {
  const relationships = await a.call<(Dto & { status: string })[]>("GET", `/Relationships?peer=${b.address}`);
  const existing = relationships.find((r) => r.status === "Pending" || r.status === "Active");
  if (existing) {
    throw new ScenarioPreconditionError(
      `onboarding creates a relationship, but A and B already share ${existing.status} relationship ` +
        `${existing.id} (an earlier onboarding, consent or message-exchange made it): run consent or ` +
        "message-exchange, which use it, or onboard another pair of Connectors",
    );
  }
}

/** Onboards A and B unless they already share an Active relationship. */
export async function ensureRelationship(a: ScenarioClient, b: ScenarioClient): Promise<string> {
  const [active] = await a.call<Dto[]>("GET", `/Relationships?peer=${b.address}&status=Active`);
  return active?.id ?? (await runOnboarding(a, b)).relationshipId;
}
