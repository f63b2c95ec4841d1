/**
 * Schemas carry JSON Schema's `examples: [...]`. @fastify/swagger turns those into OpenAPI 3.0's
 * `example` at the top and in properties, but not inside `allOf` (an intersection such as
 * "Delivery and its attempts"), where 3.0 forbids the array. This finishes the job everywhere.
 * An `examples` array never means anything else in OpenAPI 3.0: media and parameter `examples`
 * are maps.
 */
export function withOpenApi30Examples<T>(document: T): T {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    if (Array.isArray(record.examples)) {
      if (record.example === undefined) record.example = record.examples[0];
      delete record.examples;
    }
    Object.values(record).forEach(visit);
  };
  visit(document);
  return document;
}
