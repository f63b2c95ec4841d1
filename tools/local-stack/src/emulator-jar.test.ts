import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findEmulatorJar } from "./emulator-jar.ts";

const dir = mkdtempSync(join(tmpdir(), "local-stack-emulator-jar-"));
const emptyPath = join(dir, "empty-bin");
mkdirSync(emptyPath);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("findEmulatorJar", () => {
  it("takes PUBSUB_EMULATOR_JAR when the file exists, without looking for gcloud", async () => {
    const jar = join(dir, "my-emulator.jar");
    writeFileSync(jar, "");
    expect(await findEmulatorJar({ PUBSUB_EMULATOR_JAR: jar, PATH: emptyPath })).toEqual({
      isFound: true,
      path: jar,
      via: "PUBSUB_EMULATOR_JAR",
    });
  });

  it("says PUBSUB_EMULATOR_JAR names a missing file, rather than falling back to gcloud's", async () => {
    const jar = join(dir, "no-such.jar");
    expect(await findEmulatorJar({ PUBSUB_EMULATOR_JAR: jar, PATH: emptyPath })).toEqual({
      isFound: false,
      reason: `PUBSUB_EMULATOR_JAR=${jar} does not exist`,
    });
  });

  it("says gcloud is not on PATH when there is neither an override nor gcloud", async () => {
    expect(await findEmulatorJar({ PATH: emptyPath })).toEqual({
      isFound: false,
      reason: "gcloud is not on PATH",
    });
  });

  it("finds the newest emulator jar of the SDK whose bin/ holds the gcloud on PATH", async () => {
    const sdk = join(dir, "google-cloud-sdk");
    const lib = join(sdk, "platform", "pubsub-emulator", "lib");
    mkdirSync(join(sdk, "bin"), { recursive: true });
    mkdirSync(lib, { recursive: true });
    writeFileSync(join(sdk, "bin", "gcloud"), "#!/bin/sh\nexit 1\n");
    chmodSync(join(sdk, "bin", "gcloud"), 0o755);
    for (const version of ["0.8.9", "0.8.20", "0.8.3"])
      writeFileSync(join(lib, `cloud-pubsub-emulator-${version}-all.jar`), "");
    writeFileSync(join(lib, "unrelated-9.9.9.jar"), "");
    expect(await findEmulatorJar({ PATH: join(sdk, "bin") })).toEqual({
      isFound: true,
      path: join(realpathSync(lib), "cloud-pubsub-emulator-0.8.20-all.jar"),
      via: "the SDK of gcloud on PATH",
    });
  });
});
