import { createCipheriv, createHash, randomBytes } from "node:crypto";

/**
 * Seals the way the hub did before v2 (AAD `v1.<keyId>`, bound to nothing): what older rows hold.
 * Only tests use it, to prove v1 values still open and that `make reseal` upgrades them.
 */
export function sealAsV1(keyBase64: string, plaintext: string): string {
  const key = Buffer.from(keyBase64, "base64");
  const keyId = createHash("sha256").update(key).digest("hex").slice(0, 8);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(`v1.${keyId}`));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", keyId, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}
