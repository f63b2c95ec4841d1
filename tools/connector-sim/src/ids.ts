import { createHash, randomBytes, randomInt } from "node:crypto";

// Ids look like the real ones so that code reading them (prefix checks, lengths) behaves the same:
// runtime CoreIdHelper = prefix + alphanumerics up to 20 chars; HttpErrorId = "ERR" + 17 chars.
const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const errorIdAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

export type IdPrefix = "MSG" | "REL" | "RLT" | "REQ" | "DVC" | "SYI";

function randomString(length: number, alphabet: string): string {
  let result = "";
  for (let i = 0; i < length; i++) result += alphabet.charAt(randomInt(alphabet.length));
  return result;
}

export function newCoreId(prefix: IdPrefix): string {
  return prefix + randomString(20 - prefix.length, alphanumeric);
}

export function newErrorId(): string {
  return "ERR" + randomString(17, errorIdAlphabet);
}

/** `did:e:<host>:dids:<10 bytes hex><1 byte checksum hex>`, built as transport's IdentityUtil does. */
export function newAddress(backboneHostname: string): string {
  const identityPart = randomBytes(10).toString("hex");
  const prefix = `did:e:${backboneHostname}:dids:${identityPart}`;
  const checksum = createHash("sha256").update(prefix).digest().subarray(0, 1).toString("hex");
  return prefix + checksum;
}

/** A serialized signature public key, shaped like the runtime's (base64 of `{pub, alg}`). */
export function newPublicKey(): string {
  const json = JSON.stringify({ pub: randomBytes(32).toString("base64url"), alg: 1 });
  return Buffer.from(json).toString("base64");
}

/** The truncated reference of a template (`UkxU…` = base64url of `RLT…@baseUrl|3|key||`). */
export function newTruncatedReference(templateId: string, backboneBaseUrl: string): string {
  const key = randomBytes(32).toString("base64url");
  return Buffer.from(`${templateId}@${backboneBaseUrl}|3|${key}||`).toString("base64url");
}

/** The template id inside a truncated reference, or undefined when it is not one. */
export function templateIdFromTruncatedReference(reference: string): string | undefined {
  const decoded = Buffer.from(reference, "base64url").toString("utf8");
  const id = decoded.split("|")[0]?.split("@")[0];
  return id && /^RLT[A-Za-z0-9]{17}$/.test(id) ? id : undefined;
}
