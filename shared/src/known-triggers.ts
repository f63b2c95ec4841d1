/**
 * The triggers an enmeshed Connector raises (runtime 7.x and the 6.x attribute events still seen on
 * older Connectors; as the event classes of nmshd/runtime name them). Triggers are the
 * Connector's to choose and a peer can cause many of them, so anything that keys on a trigger and
 * must stay small — a metrics label first of all — uses `boundedTriggerLabel`: a known trigger keeps
 * its name, every other one is `other`.
 */
export const KNOWN_TRIGGERS: ReadonlySet<string> = new Set([
  // transport.* (runtime EventProxy)
  "transport.messageReceived",
  "transport.messageSent",
  "transport.messageDelivered",
  "transport.messageWasReadAtChanged",
  "transport.relationshipChanged",
  "transport.relationshipReactivationRequested",
  "transport.relationshipReactivationCompleted",
  "transport.relationshipDecomposedBySelf",
  "transport.peerRelationshipTemplateLoaded",
  "transport.relationshipTemplateAllocationsExhausted",
  "transport.identityDeletionProcessStatusChanged",
  "transport.peerToBeDeleted",
  "transport.peerDeletionCancelled",
  "transport.peerDeleted",
  "transport.fileOwnershipLocked",
  "transport.fileOwnershipClaimed",
  "transport.datawalletSynchronized",
  // consumption.* (runtime 7)
  "consumption.incomingRequestReceived",
  "consumption.incomingRequestStatusChanged",
  "consumption.outgoingRequestCreated",
  "consumption.outgoingRequestStatusChanged",
  "consumption.outgoingRequestCreatedAndCompleted",
  "consumption.outgoingRequestFromRelationshipCreationCreatedAndCompleted",
  "consumption.attributeCreated",
  "consumption.attributeDeleted",
  "consumption.attributeSucceeded",
  "consumption.attributeForwardingDetailsChanged",
  "consumption.attributeWasViewedAtChanged",
  "consumption.ownAttributeDeletedByOwner",
  "consumption.peerRelationshipAttributeDeletedByPeer",
  "consumption.forwardedAttributeDeletedByPeer",
  "consumption.shareCredentialOfferRequestItemProcessedByRecipient",
  // consumption.* raised by runtime modules
  "consumption.messageProcessed",
  "consumption.relationshipTemplateProcessed",
  "consumption.mailReceived",
  // consumption.* attribute events of runtime 6.x
  "consumption.attributeListenerCreated",
  "consumption.attributeListenerTriggered",
  "consumption.ownSharedAttributeSucceeded",
  "consumption.peerSharedAttributeSucceeded",
  "consumption.repositoryAttributeSucceeded",
  "consumption.thirdPartyRelationshipAttributeSucceeded",
  "consumption.thirdPartyOwnedRelationshipAttributeSucceeded",
  "consumption.ownSharedAttributeDeletedByOwner",
  "consumption.peerSharedAttributeDeletedByPeer",
  "consumption.thirdPartyRelationshipAttributeDeletedByPeer",
  "consumption.thirdPartyOwnedRelationshipAttributeDeletedByPeer",
  // runtime.* (no data)
  "runtime.initializing",
  "runtime.initialized",
  "runtime.modulesLoaded",
  "runtime.modulesInitialized",
  "runtime.modulesStarted",
]);

/** The label value for a trigger: its name when known, else `other` (a bounded set of series). */
export function boundedTriggerLabel(trigger: string): string {
  return KNOWN_TRIGGERS.has(trigger) ? trigger : "other";
}
