/**
 * autoAcceptPendingRelationships, decided as the Connector's own module decides it (pure): on
 * `transport.relationshipChanged` with status Pending and exactly one audit-log entry, created by
 * the peer — never a relationship the Connector itself requested.
 */
const RELATIONSHIP_CHANGED = "transport.relationshipChanged";

type RelationshipData = {
  id?: unknown;
  status?: unknown;
  peer?: unknown;
  auditLog?: Array<{ createdBy?: unknown }>;
};

export type AutoAcceptDecision = { accept: true; relationshipId: string } | { accept: false; reason: string };

export function decideAutoAccept(trigger: string, data: unknown): AutoAcceptDecision {
  if (trigger !== RELATIONSHIP_CHANGED) return { accept: false, reason: "not a relationship change" };
  const relationship = (data ?? {}) as RelationshipData;
  if (typeof relationship.id !== "string") return { accept: false, reason: "no relationship id" };
  if (relationship.status !== "Pending") return { accept: false, reason: "not Pending" };
  if (!Array.isArray(relationship.auditLog) || relationship.auditLog.length !== 1) {
    return { accept: false, reason: "not exactly one audit-log entry" };
  }
  // Two parties only: created by the peer is the same as not created by the Connector's own address.
  if (typeof relationship.peer !== "string" || relationship.auditLog[0]?.createdBy !== relationship.peer) {
    return { accept: false, reason: "created by the Connector itself" };
  }
  return { accept: true, relationshipId: relationship.id };
}
