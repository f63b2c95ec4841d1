/** What a gauge saw: requests open now, and the most that were ever open at once. */
export type InFlightCounts = { inFlight: number; maxInFlight: number };

/**
 * Counts requests in flight and remembers the most at once, so a test can check a client's
 * concurrency limits (e.g. one sync per Connector across hub replicas). A parent gauge counts the
 * same requests summed over several Connectors.
 */
export class InFlightGauge {
  private inFlight = 0;
  private maxInFlight = 0;
  private readonly parent: InFlightGauge | undefined;

  constructor(parent?: InFlightGauge) {
    this.parent = parent;
  }

  /** Counts one request in; the returned function counts it out (calling it again does nothing). */
  enter(): () => void {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const leaveParent = this.parent?.enter();
    let isDone = false;
    return () => {
      if (isDone) return;
      isDone = true;
      this.inFlight--;
      leaveParent?.();
    };
  }

  counts(): InFlightCounts {
    return { inFlight: this.inFlight, maxInFlight: this.maxInFlight };
  }
}
