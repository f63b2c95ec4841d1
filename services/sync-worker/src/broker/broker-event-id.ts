import { createHash } from "node:crypto";

// Crockford base32 as ULID (and shared/src/ids.ts) uses it.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TIME_CHARS = 10; // 48 bits of milliseconds
const RANDOM_CHARS = 16; // 80 bits
const MAX_TIME = 2 ** 48 - 1;

/**
 * The `evt_` id of the event a broker message becomes, the same on every redelivery: a ULID whose
 * time is the message's publish time and whose 80 "random" bits are the first 80 bits of
 * sha256(subscription, message id). It sorts by publish time like `newId("evt")`; within one
 * millisecond the order is arbitrary (but the topic's order is the ordering key's, not the id's).
 */
export function brokerEventId(publishTimeMs: number, subscription: string, messageId: string): string {
  if (!Number.isInteger(publishTimeMs) || publishTimeMs < 0 || publishTimeMs > MAX_TIME) {
    throw new RangeError(`publish time ${publishTimeMs} does not fit in a ULID`);
  }
  const hash = createHash("sha256").update(subscription).update("\n").update(messageId).digest();
  return `evt_${encodeTime(publishTimeMs)}${encodeBits(hash)}`;
}

function encodeTime(ms: number): string {
  let out = "";
  for (let rest = ms, i = 0; i < TIME_CHARS; i++, rest = Math.floor(rest / 32)) {
    out = ALPHABET[rest % 32] + out;
  }
  return out;
}

/** The first 80 bits of `bytes` as 16 base32 digits, big-endian. */
function encodeBits(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < RANDOM_CHARS; i++) {
    const bit = i * 5;
    const byte = bit >> 3;
    const pair = ((bytes[byte] ?? 0) << 8) | (bytes[byte + 1] ?? 0);
    out += ALPHABET[(pair >> (11 - (bit & 7))) & 31];
  }
  return out;
}
