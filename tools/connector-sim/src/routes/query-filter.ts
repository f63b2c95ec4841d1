/**
 * The Connector passes list query parameters straight to runtime queries (dot paths such as
 * `content.@type` or `recipients.address`, repeated keys = any of). The sim supports plain
 * equality on such paths, walking through arrays; operators (`!`, `>` …) are not simulated.
 */
export function matchesQuery(dto: unknown, query: Record<string, unknown>): boolean {
  return Object.entries(query).every(([path, expected]) => {
    const wanted = (Array.isArray(expected) ? expected : [expected]).map(String);
    return valuesAt(dto, path.split(".")).some((value) => wanted.includes(String(value)));
  });
}

function valuesAt(value: unknown, path: string[]): unknown[] {
  if (Array.isArray(value)) return value.flatMap((item) => valuesAt(item, path));
  const [head, ...rest] = path;
  if (head === undefined) return [value];
  if (value === null || typeof value !== "object") return [];
  return valuesAt((value as Record<string, unknown>)[head], rest);
}
