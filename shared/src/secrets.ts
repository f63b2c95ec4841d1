import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { ConfigError } from "./errors.ts";

/**
 * Seals secrets at rest (webhook signing secrets, Connector API keys, OAuth client secrets, AMQP
 * URLs, idempotent answers) with AES-256-GCM.
 *
 * Sealed form `v2.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts), keyId = first 8 hex chars of
 * sha256(key), so values sealed under a previous key still open after rotation. The additional
 * authenticated data binds the value to where it is stored: `v2.<keyId>.` + JSON of
 * `[table, column, id]`. A sealed value copied into another row, column or table fails to open.
 *
 * The context (one home for every place a sealed value lives: secrets/sealed-columns.ts):
 * - `table`: the table's name;
 * - `column`: the column's name; for a value inside a jsonb column, the column followed by the
 *   dotted path of the field, e.g. `config.authentication.clientSecretSealed`;
 * - `id`: the row's primary key; a composite key joins its parts with `/` (its first part, a
 *   hub-made id, never holds one), a child table without an id of its own uses its owner's id.
 *
 * `v1.<keyId>.…` values (sealed before contexts existed, AAD `v1.<keyId>` only) still open, whatever
 * the context, until `make reseal` rewrites them as v2; new values are always v2.
 */
export interface SecretBox {
  seal(plaintext: string, context: SealContext): string;
  open(sealed: string, context: SealContext): string;
  /** Whether a sealed value is v2 under the current key, so re-sealing it would change nothing. */
  isCurrent(sealed: string): boolean;
}

/** Where a sealed value is stored; see the conventions above. */
export interface SealContext {
  table: string;
  column: string;
  id: string;
}

export interface SecretBoxOptions {
  /** Base64 of 32 bytes (SECRETS_KEY); new values are sealed with it. */
  key: string;
  /** Earlier keys (SECRETS_KEY_PREVIOUS), only for opening. */
  previousKeys?: readonly string[];
}

const CURRENT_VERSION = "v2";
const IV_BYTES = 12; // the GCM standard nonce size
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

interface Key {
  id: string;
  bytes: Buffer;
}

export function createSecretBox(options: SecretBoxOptions): SecretBox {
  const current = parseKey(options.key, "SECRETS_KEY");
  const keys = new Map([[current.id, current]]);
  for (const previous of options.previousKeys ?? []) {
    const key = parseKey(previous, "SECRETS_KEY_PREVIOUS");
    if (!keys.has(key.id)) keys.set(key.id, key);
  }
  return {
    seal: (plaintext, context) => seal(current, plaintext, context),
    open: (sealed, context) => open(keys, sealed, context),
    isCurrent: (sealed) => sealed.startsWith(`${CURRENT_VERSION}.${current.id}.`),
  };
}

/** A fresh random key in the form SECRETS_KEY expects. */
export function generateSecretsKey(): string {
  return randomBytes(KEY_BYTES).toString("base64");
}

function parseKey(encoded: string, variable: string): Key {
  const trimmed = encoded.trim();
  const bytes = BASE64.test(trimmed) ? Buffer.from(trimmed, "base64") : Buffer.alloc(0);
  if (bytes.length !== KEY_BYTES) {
    throw new ConfigError(
      `${variable} must be the base64 encoding of ${KEY_BYTES} bytes (openssl rand -base64 32)`,
    );
  }
  return { id: createHash("sha256").update(bytes).digest("hex").slice(0, 8), bytes };
}

/**
 * The authenticated header: version and key id (so a value cannot be relabelled to another key or
 * version) and, from v2 on, where the value lives. JSON keeps the parts apart whatever they hold.
 */
function additionalData(version: string, keyId: string, context: SealContext): Buffer {
  if (version === "v1") return Buffer.from(`v1.${keyId}`);
  return Buffer.from(`${version}.${keyId}.${JSON.stringify([context.table, context.column, context.id])}`);
}

function seal(key: Key, plaintext: string, context: SealContext): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key.bytes, iv);
  cipher.setAAD(additionalData(CURRENT_VERSION, key.id, context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [CURRENT_VERSION, key.id, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

function open(keys: ReadonlyMap<string, Key>, sealed: string, context: SealContext): string {
  const [version, keyId, iv, ciphertext, tag, ...rest] = sealed.split(".");
  const isKnownVersion = version === "v1" || version === CURRENT_VERSION;
  if (!isKnownVersion || keyId === undefined || !iv || ciphertext === undefined || !tag || rest.length) {
    throw new Error("not a sealed secret (expected v2.<keyId>.<iv>.<ciphertext>.<tag>)");
  }
  const key = keys.get(keyId);
  if (!key) {
    throw new Error(
      `secret was sealed with key ${keyId}, which is neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS`,
    );
  }
  try {
    // A fixed tag length: GCM would otherwise accept a truncated (weaker) tag.
    const decipher = createDecipheriv("aes-256-gcm", key.bytes, Buffer.from(iv, "base64url"), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(additionalData(version, keyId, context));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    throw new Error(
      `sealed secret failed authentication with key ${keyId} for ${describeContext(context)} ` +
        "(tampered, corrupted, or copied from another row or field)",
    );
  }
}

function describeContext(context: SealContext): string {
  return `${context.table}.${context.column} of ${context.id}`;
}
