import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { detectDockerEngine } from "./docker-engine.ts";
import { startPubSub } from "./pubsub-emulator.ts";

const emptyPath = mkdtempSync(join(tmpdir(), "local-stack-no-emulator-"));

afterAll(() => rmSync(emptyPath, { recursive: true, force: true }));

describe("startPubSub with no emulator anywhere", () => {
  it("fails with one line saying why each source is out and what to install", async (context) => {
    if ((await detectDockerEngine()).isAnswering)
      context.skip("a Docker engine answers here, so testcontainers would be chosen");
    const missingJar = join(emptyPath, "no-such.jar");
    const start = startPubSub({ env: { PATH: emptyPath, PUBSUB_EMULATOR_JAR: missingJar } });
    const error = await start.then(
      () => new Error("an emulator started"),
      (reason: unknown) => reason as Error,
    );
    expect(error.message).not.toContain("\n");
    expect(error.message).toContain(
      `No Pub/Sub emulator (PUBSUB_EMULATOR_JAR=${missingJar} does not exist; ` +
        "no java on PATH and JAVA_HOME is not set; ",
    );
    expect(error.message).toContain(
      "install one with `sudo apt-get install google-cloud-cli-pubsub-emulator default-jre-headless`, " +
        "point PUBSUB_EMULATOR_JAR at its jar, or set PUBSUB_EMULATOR_HOST=host:port of a running emulator.",
    );
  });
});
