import { AppError } from "@event-hub/shared";
import type { Static } from "typebox";
import type { ConnectorTarget, WebhooksConfigImport } from "../routes/webhook-schemas.ts";
import type { AuthenticationInput, DestinationInput } from "./destination-input.ts";
import { checkHeaderName, checkStaticHeaders } from "./static-headers.ts";
import { urlProblem } from "./url-policy.ts";

/** A target of the Connector's webhooks module (connector-modules.md §3). */
export type ConnectorWebhookTarget = Static<typeof ConnectorTarget>;

/** The Connector's `modules.webhooks` config, as pasted from its config.json. */
export type ConnectorWebhooksConfig = Omit<Static<typeof WebhooksConfigImport>, "connectorIds">;

const invalid = (field: string, message: string) =>
  new AppError("error.hub.validation", `body/${field} ${message}`, 400);

/**
 * One webhook destination per entry of `webhooks`, delivering as the Connector would: the same URL
 * (with `{{trigger}}`), headers, authentication, `skipTlsCheck` and the `{trigger, data}` body.
 * Checks what the Connector's ConfigParser checks (URL, target reference, authentication fields),
 * naming the field. One difference: the Connector posts once per matching trigger of an entry, the
 * hub once per event and destination.
 */
export function destinationsFromWebhooksConfig(
  config: ConnectorWebhooksConfig,
  connectorIds: string[] | undefined,
): DestinationInput[] {
  return config.webhooks.map((webhook, i) => {
    const { target, field, name } = resolveTarget(config, webhook.target, i);
    const problem = urlProblem(target.url);
    if (problem) throw invalid(`${field}/url`, problem);
    if (target.headers) checkStaticHeaders(target.headers, `${field}/headers`);
    if (target.authentication) checkAuthentication(target.authentication, `${field}/authentication`);
    const input: DestinationInput = {
      type: "webhook",
      url: target.url,
      headers: target.headers ?? {},
      triggers: webhook.triggers,
      description: `Imported from a Connector webhooks config (${name})`,
      format: "connector",
    };
    if (target.authentication) input.authentication = target.authentication;
    if (config.skipTlsCheck !== undefined) input.skipTlsCheck = config.skipTlsCheck;
    if (connectorIds) input.connectorIds = connectorIds;
    return input;
  });
}

function resolveTarget(
  config: ConnectorWebhooksConfig,
  target: string | ConnectorWebhookTarget,
  index: number,
): { target: ConnectorWebhookTarget; field: string; name: string } {
  if (typeof target !== "string") {
    return { target, field: `webhooks/${index}/target`, name: `webhooks[${index}] inline target` };
  }
  const named = config.targets?.[target];
  if (!named) throw invalid(`webhooks/${index}/target`, `refers to "${target}", which is not in targets`);
  return { target: named, field: `targets/${target}`, name: `target "${target}"` };
}

function checkAuthentication(auth: AuthenticationInput, field: string): void {
  if (auth.headerName !== undefined) checkHeaderName(auth.headerName, `${field}/headerName`);
  const required = auth.type === "ApiKey" ? ["apiKey"] : ["accessTokenUrl", "clientId", "clientSecret"];
  for (const name of required) {
    if (!auth[name as keyof AuthenticationInput])
      throw invalid(`${field}/${name}`, `is required for ${auth.type}`);
  }
}
