import type { EventBus, SimEvent } from "../event-bus.ts";
import type { Logger } from "../logger.ts";
import { fillUrl, parseWebhooksConfig, type ParsedTarget, type WebhooksConfig } from "./config.ts";
import { post } from "./http-post.ts";
import { OAuth2TokenSource } from "./oauth2-token.ts";

/** What became of one POST (kept for inspection; the module itself never retries). */
export type DeliveryRecord = {
  trigger: string;
  url: string;
  correlationId: string | undefined;
  status?: number;
  error?: string;
  at: string;
};

type Options = {
  bus: EventBus;
  logger: Logger;
  /** When set, POSTs go to this origin instead (the "dead port" fault). */
  redirectOrigin: () => string | undefined;
  maxDeliveryRecords?: number;
};

/**
 * The Connector's webhooks module: one subscription per trigger of every webhook; each matching
 * event is POSTed as `{data, trigger}` with the target's static headers, `x-correlation-id` and its
 * authentication. No retry, no queue, no ordering: a failed POST is logged and the event is gone.
 */
export class WebhooksModule {
  private config: WebhooksConfig = {};
  private unsubscribes: (() => void)[] = [];
  private readonly tokenSources = new Map<ParsedTarget, OAuth2TokenSource>();
  private readonly deliveries: DeliveryRecord[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  private readonly options: Options;

  constructor(options: Options) {
    this.options = options;
  }

  /**
   * Replaces the configuration; throws (400 `error.runtime.modules.webhooks.*`) if it is invalid.
   * With `enabled: false` it posts nothing and, like a module the runtime skips loading, does not
   * parse the rest.
   */
  configure(config: WebhooksConfig): void {
    const parsed = config.enabled === false ? undefined : parseWebhooksConfig(config);
    this.unsubscribeAll();
    this.config = structuredClone(config);
    if (!parsed) return;
    for (const webhook of parsed.webhooks) {
      for (const trigger of webhook.triggers) {
        const unsubscribe = this.options.bus.subscribe(trigger, (event) =>
          this.track(this.send(event, webhook.target, parsed.skipTlsCheck)),
        );
        this.unsubscribes.push(unsubscribe);
      }
    }
  }

  currentConfig(): WebhooksConfig {
    return structuredClone(this.config);
  }

  recentDeliveries(): DeliveryRecord[] {
    return [...this.deliveries];
  }

  /** Stops subscribing and waits for POSTs already under way. */
  async stop(): Promise<void> {
    this.unsubscribeAll();
    await Promise.allSettled([...this.inFlight]);
  }

  private async send(event: SimEvent, target: ParsedTarget, skipTlsCheck: boolean): Promise<void> {
    const url = this.redirect(fillUrl(target.urlTemplate, event.namespace));
    const record: DeliveryRecord = {
      trigger: event.namespace,
      url,
      correlationId: event.correlationId,
      at: "",
    };
    try {
      const headers = await this.headersFor(target, event.correlationId);
      const body = JSON.stringify({ data: event.data, trigger: event.namespace });
      const response = await post(url, body, headers, { skipTlsCheck });
      record.status = response.status;
      if (response.status < 200 || response.status > 299) {
        this.options.logger.warn(
          `Request to webhook '${url}' returned status ${response.status}. Expected value between 200 and 299.`,
        );
      }
    } catch (error) {
      record.error = (error as Error).message;
      this.options.logger.error(`Request to webhook '${url}' failed with the following error:`, error);
    }
    this.remember(record);
  }

  private async headersFor(
    target: ParsedTarget,
    correlationId: string | undefined,
  ): Promise<Record<string, string>> {
    const headers: Record<string, string> = {
      accept: "application/json, text/plain, */*",
      "content-type": "application/json",
      ...target.headers,
    };
    if (correlationId) headers["x-correlation-id"] = correlationId;
    const authentication = target.authentication;
    if (authentication?.type === "ApiKey")
      headers[authentication.headerName ?? "x-api-key"] = authentication.apiKey;
    if (authentication?.type === "OAuth2") {
      const source = this.tokenSources.get(target) ?? new OAuth2TokenSource(authentication);
      this.tokenSources.set(target, source);
      headers.authorization = await source.authorizationHeader();
    }
    return headers;
  }

  private redirect(url: string): string {
    const origin = this.options.redirectOrigin();
    if (!origin) return url;
    const parsed = new URL(url);
    return origin + parsed.pathname + parsed.search;
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  private remember(record: DeliveryRecord): void {
    record.at = new Date().toISOString();
    this.deliveries.push(record);
    if (this.deliveries.length > (this.options.maxDeliveryRecords ?? 1_000)) this.deliveries.shift();
  }

  private unsubscribeAll(): void {
    this.unsubscribes.forEach((unsubscribe) => unsubscribe());
    this.unsubscribes = [];
    this.tokenSources.clear();
  }
}
