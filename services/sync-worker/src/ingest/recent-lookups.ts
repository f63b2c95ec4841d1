/**
 * One lookup per key at a time: a caller that needs what a lookup still in flight will answer, and
 * does not mind that it was asked a little before, joins it instead of asking again. Without this,
 * every event that arrived while a Connector's credential was being read asked Postgres itself, and
 * under load those reads queued in the pool and arrived stale, so the next events asked again.
 */
export type RecentLookups<T> = {
  /** The lookup of `key` asked at or after `since` (epoch ms) and still in flight, or a new one. */
  lookUp(key: string, since: number, lookUp: () => Promise<T>): { answer: Promise<T>; isJoined: boolean };
};

export function createRecentLookups<T>(): RecentLookups<T> {
  const inFlight = new Map<string, { askedAt: number; answer: Promise<T> }>();
  return {
    lookUp(key, since, lookUp) {
      const running = inFlight.get(key);
      if (running && running.askedAt >= since) return { answer: running.answer, isJoined: true };
      const entry = { askedAt: Date.now(), answer: lookUp() };
      inFlight.set(key, entry);
      const forget = () => {
        if (inFlight.get(key) === entry) inFlight.delete(key);
      };
      entry.answer.then(forget, forget);
      return { answer: entry.answer, isJoined: false };
    },
  };
}
