import { newId } from "@event-hub/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";

const COUNT = 5;
const PAGE = 2;

// Following nextCursor from the first page to the last yields every item once, in the list's order,
// and the last page says so with nextCursor null.
describe("cursor paging of every list", () => {
  let harness: TestHarness;
  beforeAll(async () => {
    harness = await buildTestApp();
    const connectorId = uniqueName("con");
    for (let i = 0; i < COUNT; i += 1) {
      const webhook = await harness.call({
        method: "POST",
        url: "/v1/webhooks",
        payload: { url: `https://example.com/${i}`, triggers: ["a.b"] },
      });
      const destinationId: string = webhook.json().result.id;
      await harness.call({
        method: "POST",
        url: "/v1/keys",
        payload: { name: `k${i}`, scopes: ["events:read"] },
      });
      await harness.call({
        method: "POST",
        url: "/v1/connectors",
        payload: { id: `${connectorId}-${i}`, name: `c${i}`, baseUrl: "http://connector-a:8080" },
      });
      await harness.call({
        method: "POST",
        url: "/v1/subscriptions",
        payload: { name: uniqueName(`page-${i}`), triggers: ["a.b"] },
      });
      const eventId = newId("evt");
      await harness.db.query(
        `INSERT INTO events (id, connector_id, trigger, data, occurred_at) VALUES ($1, $2, 'a.b', '{}', now())`,
        [eventId, connectorId],
      );
      await harness.db.query(
        `INSERT INTO deliveries (id, event_id, destination_id, connector_id) VALUES ($1, $2, $3, $4)`,
        [newId("dlv"), eventId, destinationId, connectorId],
      );
    }
  });
  afterAll(() => harness.close());

  const ids = (page: { result: { id: string }[] }) => page.result.map((item) => item.id);

  /** Every id, following nextCursor page by page in `order` (and how many pages that took). */
  const pageThrough = async (url: string, order: "asc" | "desc") => {
    const paged: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `order=${order}&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const response = await harness.call({ url: `${url}?${query}` });
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json();
      expect(page.result.length).toBeLessThanOrEqual(PAGE);
      paged.push(...ids(page));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages <= COUNT);
    return { paged, pages };
  };

  it.each([
    ["/v1/webhooks", "asc"],
    ["/v1/deliveries", "desc"],
    ["/v1/events", "desc"],
    ["/v1/subscriptions", "asc"],
    ["/v1/keys", "asc"],
    ["/v1/connectors", "asc"],
  ] as const)(
    "%s: following nextCursor yields every item once, oldest first and newest first (default %s)",
    async (url, defaultOrder) => {
      const all = ids((await harness.call({ url: `${url}?limit=200` })).json());
      expect(all).toHaveLength(COUNT);
      const ascending = [...all].sort();
      expect(all).toEqual(defaultOrder === "asc" ? ascending : [...ascending].reverse());

      for (const order of ["asc", "desc"] as const) {
        const { paged, pages } = await pageThrough(url, order);
        expect(paged, order).toEqual(order === "asc" ? ascending : [...ascending].reverse());
        expect(pages, order).toBe(Math.ceil(COUNT / PAGE));
      }
    },
  );
});
