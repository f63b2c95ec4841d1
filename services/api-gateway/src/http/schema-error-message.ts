import type { FastifySchemaValidationError, FastifyServerOptions } from "fastify";

/** Where the value came from: `body`, `querystring`, `params` or `headers` (fastify's own type is not exported). */
type SchemaErrorDataVar = Parameters<NonNullable<FastifyServerOptions["schemaErrorFormatter"]>>[1];

type Issue = FastifySchemaValidationError & { schemaPath: string };

/**
 * The message of a 400 for a request its route's schema refuses (fastify's `schemaErrorFormatter`).
 * A value outside a fixed set — an enum, or a union of literals, which Ajv reports as one "must be
 * equal to constant" per literal and then "must match a schema in anyOf" — becomes one sentence
 * naming the allowed values: `querystring/status must be one of: pending, delivered, failed, parked`.
 * Every other issue reads as fastify's own (`querystring/limit must be <= 200`).
 */
export function formatSchemaErrors(
  errors: FastifySchemaValidationError[],
  dataVar: SchemaErrorDataVar,
): Error {
  const issues = errors as Issue[];
  const absorbed = new Set<Issue>();
  const sentences: string[] = [];
  for (const issue of issues) {
    if (absorbed.has(issue)) continue;
    const group = fixedSetMiss(issue, issues);
    if (group === undefined) {
      sentences.push(`${dataVar}${issue.instancePath} ${issue.message ?? "is invalid"}`);
      continue;
    }
    for (const member of group.issues) absorbed.add(member);
    sentences.push(`${dataVar}${issue.instancePath} must be one of: ${group.allowed.map(String).join(", ")}`);
  }
  return new Error(sentences.join(", "));
}

type FixedSetMiss = { issues: Issue[]; allowed: unknown[] };

/**
 * The issues that together say "not one of these values", with the values: an `enum`'s one issue, or
 * an `anyOf` with every branch's `const` (whichever of them comes first); undefined for anything else.
 */
function fixedSetMiss(issue: Issue, issues: readonly Issue[]): FixedSetMiss | undefined {
  if (issue.keyword === "enum") {
    const allowed = (issue.params as { allowedValues?: unknown[] }).allowedValues;
    return allowed && { issues: [issue], allowed };
  }
  const union = issue.keyword === "anyOf" ? issue : issues.find((candidate) => isBranchOf(issue, candidate));
  if (union === undefined) return undefined;
  const branches = issues.filter((candidate) => isBranchOf(candidate, union));
  const isLiteralUnion =
    branches.length > 0 &&
    branches.every((branch) => branch.keyword === "const" && branch.instancePath === union.instancePath);
  if (!isLiteralUnion) return undefined;
  return {
    issues: [union, ...branches],
    allowed: branches.map((branch) => (branch.params as { allowedValue?: unknown }).allowedValue),
  };
}

/** Whether Ajv reported `issue` from inside `union`'s branches. */
function isBranchOf(issue: Issue, union: Issue): boolean {
  return union.keyword === "anyOf" && issue.schemaPath.startsWith(`${union.schemaPath}/`);
}
