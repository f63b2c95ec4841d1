import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.ts";
import { sealAsV1 } from "./secrets/legacy-v1-sealing.ts";
import { createSecretBox, generateSecretsKey, type SealContext } from "./secrets.ts";

const keyA = generateSecretsKey();
const keyB = generateSecretsKey();
const here: SealContext = { table: "connectors", column: "api_key_sealed", id: "con_1" };
const keyIdOf = (key: string) =>
  createHash("sha256").update(Buffer.from(key, "base64")).digest("hex").slice(0, 8);

/** Replaces one base64url part of a sealed value. */
function withPart(sealed: string, index: number, change: (part: string) => string): string {
  const parts = sealed.split(".");
  parts[index] = change(parts[index] ?? "");
  return parts.join(".");
}

const flipFirstByte = (part: string) => {
  const bytes = Buffer.from(part, "base64url");
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  return bytes.toString("base64url");
};

describe("createSecretBox", () => {
  it("round-trips any string, including empty and non-ASCII", () => {
    const box = createSecretBox({ key: keyA });
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme" }),
        (plaintext) => box.open(box.seal(plaintext, here), here) === plaintext,
      ),
    );
    expect(box.open(box.seal("", here), here)).toBe("");
  });

  it("seals as v2.<keyId>.<iv>.<ciphertext>.<tag> with a fresh iv each time", () => {
    const box = createSecretBox({ key: keyA });
    const sealed = box.seal("whsec_abc", here);
    expect(sealed).toMatch(/^v2\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed.split(".")[1]).toBe(keyIdOf(keyA));
    expect(box.seal("whsec_abc", here)).not.toBe(sealed);
    expect(sealed).not.toContain("whsec_abc");
  });

  it.each([
    ["iv", 2],
    ["ciphertext", 3],
    ["tag", 4],
  ])("detects a changed %s", (_name, index) => {
    const box = createSecretBox({ key: keyA });
    expect(() => box.open(withPart(box.seal("secret", here), index, flipFirstByte), here)).toThrow(
      /failed authentication/,
    );
  });

  it("detects a truncated tag", () => {
    const box = createSecretBox({ key: keyA });
    expect(() =>
      box.open(
        withPart(box.seal("secret", here), 4, (tag) => tag.slice(0, 6)),
        here,
      ),
    ).toThrow(/failed authentication/);
  });

  it("detects a sealed value relabelled to another key id", () => {
    const box = createSecretBox({ key: keyA, previousKeys: [keyB] });
    expect(() =>
      box.open(
        withPart(box.seal("secret", here), 1, () => keyIdOf(keyB)),
        here,
      ),
    ).toThrow(/failed authentication/);
  });

  it("names the missing key when the value was sealed with another key", () => {
    const sealed = createSecretBox({ key: keyA }).seal("secret", here);
    expect(() => createSecretBox({ key: keyB }).open(sealed, here)).toThrow(
      `secret was sealed with key ${keyIdOf(keyA)}, which is neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS`,
    );
  });

  it("opens values sealed with a previous key after rotation, and seals with the new one", () => {
    const sealedBefore = createSecretBox({ key: keyA }).seal("secret", here);
    const rotated = createSecretBox({ key: keyB, previousKeys: [keyA] });
    expect(rotated.open(sealedBefore, here)).toBe("secret");
    expect(rotated.seal("secret", here).split(".")[1]).toBe(keyIdOf(keyB));
  });

  it.each<[string, SealContext]>([
    ["another row", { ...here, id: "con_2" }],
    ["another column", { ...here, column: "ingest_key_hash" }],
    ["another table", { ...here, table: "destinations" }],
    ["another field of a jsonb column", { table: "destinations", column: "config.urlSealed", id: "con_1" }],
    [
      "a context whose parts run together differently",
      { table: "connectors.api", column: "key_sealed", id: "con_1" },
    ],
  ])("refuses a value copied to %s", (_name, elsewhere) => {
    const box = createSecretBox({ key: keyA });
    expect(() => box.open(box.seal("secret", here), elsewhere)).toThrow(/copied from another row or field/);
  });

  it("still opens v1 values (sealed before contexts) in any context, with the current or a previous key", () => {
    const box = createSecretBox({ key: keyB, previousKeys: [keyA] });
    expect(box.open(sealAsV1(keyB, "old"), here)).toBe("old");
    expect(box.open(sealAsV1(keyA, "older"), { ...here, id: "con_9" })).toBe("older");
  });

  it("tells a current value (v2, current key) from one that needs re-sealing", () => {
    const before = createSecretBox({ key: keyA });
    const box = createSecretBox({ key: keyB, previousKeys: [keyA] });
    expect(box.isCurrent(box.seal("s", here))).toBe(true);
    expect(box.isCurrent(before.seal("s", here))).toBe(false);
    expect(box.isCurrent(sealAsV1(keyB, "s"))).toBe(false);
    expect(box.isCurrent("plain")).toBe(false);
  });

  it.each(["", "v1", "v3.abcdef12.a.b.c", "v2.abcdef12.a.b", "v1.abcdef12.a.b.c.d", "plain text"])(
    "rejects %j as not sealed",
    (value) => {
      expect(() => createSecretBox({ key: keyA }).open(value, here)).toThrow(/not a sealed secret/);
    },
  );

  it.each([
    ["too short", Buffer.alloc(16).toString("base64")],
    ["too long", Buffer.alloc(33).toString("base64")],
    ["not base64", "x".repeat(43) + "!"],
    ["empty", ""],
  ])("refuses a key that is %s with a ConfigError naming SECRETS_KEY", (_name, key) => {
    expect(() => createSecretBox({ key })).toThrow(ConfigError);
    expect(() => createSecretBox({ key })).toThrow(/^SECRETS_KEY must be the base64 encoding of 32 bytes/);
  });

  it("names SECRETS_KEY_PREVIOUS when a previous key is bad", () => {
    expect(() => createSecretBox({ key: keyA, previousKeys: ["short"] })).toThrow(
      /^SECRETS_KEY_PREVIOUS must/,
    );
  });
});

describe("generateSecretsKey", () => {
  it("returns base64 of 32 random bytes", () => {
    const key = generateSecretsKey();
    expect(Buffer.from(key, "base64")).toHaveLength(32);
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(generateSecretsKey()).not.toBe(key);
  });
});
