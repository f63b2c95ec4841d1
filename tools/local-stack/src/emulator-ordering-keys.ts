/**
 * Which StreamingPull stream the Pub/Sub emulator hands an ordering key to, computed as the emulator
 * does it, so tests can pick ordering keys that land on a given stream.
 *
 * Read from the 0.8.20 jar (`OrderedMessageBacklog.getAllBacklogsForStreamingPull`): the streams of a
 * subscription are numbered 0, 1, ... in the order they first pulled (renumbered in that order when
 * one ends), and a key goes only to stream `Hashing.consistentHash(key.hashCode(), streamCount)`
 * (Guava, Java's `String.hashCode`), and stays with the stream it was handed to while it has
 * messages outstanding there. Nothing else moves a key: a stream that takes keys but never answers
 * holds them for as long as the emulator counts it.
 */
export function emulatorStreamIndexOf(orderingKey: string, streamCount: number): number {
  return consistentHash(BigInt(javaStringHash(orderingKey)), streamCount);
}

/** Java's `String.hashCode`: over UTF-16 code units, 32-bit overflow. */
export function javaStringHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

const UINT64 = (1n << 64n) - 1n;
const INT_MAX = 2 ** 31 - 1;

/** Guava's `Hashing.consistentHash(long, int)` with its linear congruential generator. */
export function consistentHash(input: bigint, buckets: number): number {
  let state = BigInt.asUintN(64, input);
  let candidate = 0;
  for (;;) {
    state = (2862933555777941757n * state + 1n) & UINT64;
    const nextDouble = (Number(BigInt.asIntN(32, state >> 33n)) + 1) / 2 ** 31;
    const jump = (candidate + 1) / nextDouble;
    // Java's (int) cast of a double saturates at Integer.MAX_VALUE.
    const next = jump >= INT_MAX ? INT_MAX : Math.trunc(jump);
    if (next >= 0 && next < buckets) candidate = next;
    else return candidate;
  }
}
