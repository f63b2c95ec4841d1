import { matchesAnyTrigger, type HubEvent } from "@event-hub/shared";

/** An enabled destination as routing needs it. `connectorIds` null: every Connector. */
export type DestinationRoute = { id: string; triggers: string[]; connectorIds: string[] | null };

/** One delivery to create: an event for a destination. */
export type RoutedDelivery = { eventId: string; connectorId: string; destinationId: string };

/**
 * The deliveries a batch of events needs: one per event and enabled destination whose Connector
 * scope and trigger patterns take it, in event order (storage order is delivery order for lanes).
 */
export function routeEvents(
  events: readonly HubEvent[],
  routes: readonly DestinationRoute[],
): RoutedDelivery[] {
  return events.flatMap((event) =>
    routes
      .filter((route) => takesEvent(route, event))
      .map((route) => ({ eventId: event.id, connectorId: event.connectorId, destinationId: route.id })),
  );
}

function takesEvent(route: DestinationRoute, event: HubEvent): boolean {
  const inScope = route.connectorIds === null || route.connectorIds.includes(event.connectorId);
  return inScope && matchesAnyTrigger(route.triggers, event.trigger);
}
