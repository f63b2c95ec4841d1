import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { ConfigError } from "./errors.ts";

/**
 * Seals secrets at rest (webhook signing secrets, Connector API keys, OAuth client secrets) with
 * AES-256-GCM. Sealed form: `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts), keyId = first
 * 8 hex chars of sha256(key), so values sealed under a previous key still open after rotation.
 */
export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

export interface SecretBoxOptions {
  /** Base64 of 32 bytes (SECRETS_KEY); new values are sealed with it. */
  key: string;
  /** Earlier keys (SECRETS_KEY_PREVIOUS), only for opening. */
  previousKeys?: readonly string[];
}

const VERSION = "v1";
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
    seal: (plaintext) => seal(current, plaintext),
    open: (sealed) => open(keys, sealed),
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

function seal(key: Key, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key.bytes, iv);
  // The header is authenticated too, so a sealed value cannot be relabelled to another key or version.
  cipher.setAAD(Buffer.from(`${VERSION}.${key.id}`));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, key.id, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

function open(keys: ReadonlyMap<string, Key>, sealed: string): string {
  const [version, keyId, iv, ciphertext, tag, ...rest] = sealed.split(".");
  if (version !== VERSION || keyId === undefined || !iv || ciphertext === undefined || !tag || rest.length) {
    throw new Error("not a sealed secret (expected v1.<keyId>.<iv>.<ciphertext>.<tag>)");
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
    decipher.setAAD(Buffer.from(`${VERSION}.${keyId}`));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    throw new Error(`sealed secret failed authentication with key ${keyId} (tampered or corrupted)`);
  }
}
