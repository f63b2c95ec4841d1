import { post } from "./http-post.ts";

type Credentials = { accessTokenUrl: string; clientId: string; clientSecret: string; scope?: string };

/**
 * Client-credentials tokens as the Connector's OAuth2TargetAuthenticator gets them: form body
 * `grant_type=client_credentials[&scope=…]`, HTTP Basic `clientId:clientSecret`, cached until
 * 10 s before `expires_in`, concurrent refreshes coalesced, non-200 → the webhook call fails.
 */
export class OAuth2TokenSource {
  private token = "";
  private expiresAtMs = 0;
  private refreshing: Promise<void> | undefined;

  private readonly credentials: Credentials;

  constructor(credentials: Credentials) {
    this.credentials = credentials;
  }

  async authorizationHeader(): Promise<string> {
    if (this.refreshing) await this.refreshing;
    else if (Date.now() > this.expiresAtMs - 10_000) {
      this.refreshing = this.refresh().finally(() => (this.refreshing = undefined));
      await this.refreshing;
    }
    return `Bearer ${this.token}`;
  }

  private async refresh(): Promise<void> {
    const { accessTokenUrl, clientId, clientSecret, scope } = this.credentials;
    const form = new URLSearchParams({ grant_type: "client_credentials", ...(scope ? { scope } : {}) });
    const basic = Buffer.from(`${clientId}:${clientSecret}`).toString("base64");
    const response = await post(accessTokenUrl, form.toString(), {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${basic}`,
    });
    if (response.status !== 200) throw new Error(`Failed to fetch token: status ${response.status}`);
    const body = JSON.parse(response.body) as { access_token: string; expires_in: number };
    this.token = body.access_token;
    this.expiresAtMs = Date.now() + body.expires_in * 1000;
  }
}
