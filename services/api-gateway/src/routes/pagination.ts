import type { PageOrder } from "@event-hub/shared";
import { Type, type TProperties, type TSchema } from "typebox";
import { exampleOf } from "./envelopes.ts";

/**
 * Cursor pagination for every list: `limit` (1–200, default 50), `order` (`asc`: oldest first,
 * `desc`: newest first; each list keeps the default it always had) and `cursor` (the previous page's
 * `nextCursor`, which is the last item's id: ids sort by creation time, so a page is a range scan
 * in either direction; pass the same `order` with it).
 */
const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50, description: "Page size" });
export const Cursor = Type.String({
  pattern: "^[a-z]{3}_[0-9A-Z]{26}$",
  description: "`nextCursor` of the previous page",
  examples: ["whk_01J9ZQ3V4K6X8B2N5M7P9R1T3W"],
});

function orderOf(defaultOrder: PageOrder) {
  return Type.Union([Type.Literal("asc"), Type.Literal("desc")], {
    default: defaultOrder,
    description: `\`asc\`: oldest first, \`desc\`: newest first (by creation). Default \`${defaultOrder}\`; a \`cursor\` continues in the order it was made with, so pass the same \`order\``,
  });
}

/** A list's querystring: paging in its default order plus its filters; unknown parameters are a 400 naming them. */
export function pageQuery<T extends TProperties, C extends TSchema = typeof Cursor>(
  defaultOrder: PageOrder,
  filters: T,
  cursor: C = Cursor as unknown as C,
) {
  return Type.Object(
    { limit: Limit, order: orderOf(defaultOrder), cursor: Type.Optional(cursor), ...filters },
    { additionalProperties: false },
  );
}

export function pageOf<T extends TSchema>(item: T) {
  const example = exampleOf(item);
  return Type.Object(
    {
      result: Type.Array(item),
      nextCursor: Type.Union([Type.String(), Type.Null()], {
        description: "Pass as `cursor` for the next page; null on the last page",
      }),
    },
    example === undefined ? {} : { examples: [{ result: [example], nextCursor: null }] },
  );
}

/** The page answer: a next cursor only when the page is full. */
export function toPage<Row extends { id: string }, Item>(
  rows: readonly Row[],
  limit: number,
  map: (row: Row) => Item,
): { result: Item[]; nextCursor: string | null } {
  const last = rows.at(-1);
  return { result: rows.map(map), nextCursor: rows.length === limit && last ? last.id : null };
}
