import { createHash, randomFillSync } from "node:crypto";

/** What an id names: event, delivery, webhook, connector, API key, attempt, subscription, command, outbox row. */
export type IdPrefix = "evt" | "dlv" | "whk" | "con" | "key" | "att" | "sub" | "cmd" | "obx";

// Crockford base32 as ULID uses it: no I, L, O, U, so ids read aloud without ambiguity.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TIME_CHARS = 10; // 48 bits of milliseconds
const RANDOM_CHARS = 16; // 80 random bits
const MAX_TIME = 2 ** 48 - 1;
const ULID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/**
 * `${prefix}_${ulid}`: ids sort as strings in creation order, so "since" queries are range scans.
 * Within one millisecond (or when the clock steps back) the random part is incremented instead of
 * redrawn, which keeps that order inside this process.
 */
export const newId = createIdGenerator();

/** A generator with its own monotonic state; `newId` is the process-wide one (tests pass a clock). */
export function createIdGenerator(clockMs: () => number = Date.now): (prefix: IdPrefix) => string {
  let lastTimeMs = -1;
  const random = new Uint8Array(RANDOM_CHARS); // 5 bits per digit
  return (prefix) => {
    const nowMs = clockMs();
    if (nowMs > lastTimeMs) {
      lastTimeMs = nowMs;
      drawRandom(random);
    } else if (!incrementRandom(random)) {
      // 2^80 ids in one millisecond cannot happen; borrowing the next millisecond keeps the order anyway.
      lastTimeMs += 1;
      drawRandom(random);
    }
    return `${prefix}_${encodeTime(lastTimeMs)}${digitsToString(random)}`;
  };
}

/**
 * A prefixed ULID that is the same every time it is derived from the same inputs: its time is
 * `timeMs` and its 80 other bits are the first 80 bits of sha256 over `parts` joined by "\n". For
 * events that may arrive twice (a redelivered broker message) and must keep one id. It sorts by
 * `timeMs` like `newId`; within one millisecond the order is arbitrary.
 */
export function derivedId(prefix: IdPrefix, timeMs: number, parts: readonly string[]): string {
  if (!Number.isInteger(timeMs) || timeMs < 0) throw new RangeError(`time ${timeMs} does not fit in a ULID`);
  const hash = createHash("sha256").update(parts.join("\n")).digest();
  const digits = new Uint8Array(RANDOM_CHARS);
  bitsToDigits(hash, digits);
  return `${prefix}_${encodeTime(timeMs)}${digitsToString(digits)}`;
}

/** The creation time encoded in an id (millisecond precision). Throws on a malformed id. */
export function idTime(id: string): Date {
  const ulid = id.slice(id.indexOf("_") + 1);
  if (!ULID_PATTERN.test(ulid)) throw new RangeError(`not a prefixed ULID: "${id}"`);
  let ms = 0;
  for (const char of ulid.slice(0, TIME_CHARS)) ms = ms * 32 + ALPHABET.indexOf(char);
  return new Date(ms);
}

/** True when `value` is an id made by `newId(prefix)`. */
export function isId(value: unknown, prefix: IdPrefix): value is string {
  return (
    typeof value === "string" &&
    value.startsWith(`${prefix}_`) &&
    ULID_PATTERN.test(value.slice(prefix.length + 1))
  );
}

function encodeTime(ms: number): string {
  if (ms > MAX_TIME) throw new RangeError(`time ${ms} does not fit in 48 bits`);
  let out = "";
  for (let rest = ms, i = 0; i < TIME_CHARS; i++, rest = Math.floor(rest / 32))
    out = ALPHABET[rest % 32] + out;
  return out;
}

// Random bytes drawn 4 KiB at a time: a draw of 10 bytes per millisecond was 2 % of sync-worker's
// CPU at 3,000 ingested events/s (a call into OpenSSL each). Every id still gets bytes no other got.
const RANDOM_POOL_BYTES = 4096;
const randomPool = new Uint8Array(RANDOM_POOL_BYTES);
let randomPoolOffset = RANDOM_POOL_BYTES;

function drawRandom(digits: Uint8Array): void {
  if (randomPoolOffset + 10 > RANDOM_POOL_BYTES) {
    randomFillSync(randomPool);
    randomPoolOffset = 0;
  }
  bitsToDigits(randomPool.subarray(randomPoolOffset, randomPoolOffset + 10), digits);
  randomPoolOffset += 10;
}

/** The first 80 bits of `bytes` as 16 groups of 5 bits, read big-endian. */
function bitsToDigits(bytes: Uint8Array, digits: Uint8Array): void {
  for (let i = 0; i < RANDOM_CHARS; i++) {
    const bit = i * 5;
    const byte = bit >> 3;
    const pair = ((bytes[byte] ?? 0) << 8) | (bytes[byte + 1] ?? 0);
    digits[i] = (pair >> (11 - (bit & 7))) & 31;
  }
}

/** Adds one to the random digits; false on overflow. */
function incrementRandom(digits: Uint8Array): boolean {
  for (let i = RANDOM_CHARS - 1; i >= 0; i--) {
    if (digits[i] !== 31) {
      digits[i] = (digits[i] ?? 0) + 1;
      return true;
    }
    digits[i] = 0;
  }
  return false;
}

function digitsToString(digits: Uint8Array): string {
  let out = "";
  for (const digit of digits) out += ALPHABET[digit];
  return out;
}
