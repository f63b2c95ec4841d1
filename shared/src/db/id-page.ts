/**
 * A page of a list in id order (ids sort by creation time, so a page is a range scan of the primary
 * key): `cursor` is the last id of the previous page, read in the same `order`.
 */
export type PageOrder = "asc" | "desc";

export type IdPage = { limit: number; cursor?: string; order: PageOrder };

/**
 * The page's SQL, from a fixed set (never from the caller's text): the condition that starts after
 * the cursor (`cursorParam` NULL: from the start) and the ORDER BY.
 */
export function idPageSql(
  order: PageOrder,
  cursorParam: string,
  column = "id",
): { after: string; orderBy: string } {
  const isAscending = order === "asc";
  return {
    after: `(${cursorParam}::text IS NULL OR ${column} ${isAscending ? ">" : "<"} ${cursorParam})`,
    orderBy: `ORDER BY ${column} ${isAscending ? "ASC" : "DESC"}`,
  };
}
