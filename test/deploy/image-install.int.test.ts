import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerfileEmulation, startCmd, type EmulatedStage } from "./dockerfile-emulation.ts";
import { parseDockerfile } from "./dockerfile-stages.ts";
import { dockerignoreMatcher } from "./dockerignore.ts";
import { readText, readYaml, ROOT, SERVICES } from "./deploy-files.ts";

// No Docker engine here: each target's stages are emulated in scratch folders, with its real
// `npm ci --omit=dev`, and its CMD started until the configuration check. Reaching that check means
// every import (all static) resolved from what the image holds.
const TARGETS = [...SERVICES, "migrate"];
const scratch = mkdtempSync(join(tmpdir(), "image-install-"));
const build = createDockerfileEmulation({
  dockerfile: parseDockerfile(readText("deploy/Dockerfile")),
  context: ROOT,
  ignored: dockerignoreMatcher(readText(".dockerignore")),
  scratch,
  runEnv: {
    // This process's node first, so npm runs on the Node the images pin.
    PATH: [dirname(process.execPath), process.env.PATH].join(delimiter),
    // Only what npm needs to reach the registry: the npm_config_* that npx exports name this
    // repository as the prefix, and npm ci would install into it.
    ...pick(
      process.env,
      "HOME NODE_EXTRA_CA_CERTS HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy",
    ),
    npm_config_prefer_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
  },
});
// Packages the lockfile marks dev-only; none may reach an image.
const lockfile = JSON.parse(readText("package-lock.json")) as { packages: Record<string, { dev?: boolean }> };
const devPackages = Object.keys(lockfile.packages).filter((path) => lockfile.packages[path]?.dev);
const images = new Map<string, EmulatedStage>();

describe("deploy/Dockerfile targets, emulated without Docker", () => {
  beforeAll(async () => {
    await Promise.all(TARGETS.map(async (target) => images.set(target, await build(target))));
  }, 240_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.each(TARGETS)("%s starts and stops at the missing DATABASE_URL, not at an import", async (target) => {
    const { exitCode, output } = await startCmd(image(target), { PATH: process.env.PATH ?? "" }, 20_000);
    expect(output).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (package|module)/);
    expect(output).toMatch(/\bDATABASE_URL is (required|not set)\b/);
    expect(exitCode).toBe(1);
  });

  it("migrate also runs the reseal job's command, up to the missing DATABASE_URL", async () => {
    const [job] = readYaml("deploy/k8s/jobs/reseal/reseal.job.yaml");
    const spec = job?.spec as { template: { spec: { containers: { command: string[] }[] } } };
    const cmd = spec.template.spec.containers[0]?.command;
    const reseal = { ...image("migrate"), cmd };
    const { exitCode, output } = await startCmd(reseal, { PATH: process.env.PATH ?? "" }, 20_000);
    expect(output).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (package|module)/);
    expect(output).toMatch(/^reseal: DATABASE_URL is required\b/);
    expect(exitCode).toBe(1);
  });

  it("knows the dev-only packages from the lockfile", () => {
    const expected = ["vitest", "typescript", "eslint"].map((name) => `node_modules/${name}`);
    expect(devPackages).toEqual(expect.arrayContaining(expected));
  });

  it.each(TARGETS)("%s holds no dev-only package and no test file", (target) => {
    const app = appFolder(image(target));
    expect(devPackages.filter((path) => existsSync(join(app, path)))).toEqual([]);
    const files = readdirSync(app, { recursive: true, encoding: "utf8" });
    expect(files.filter((file) => !file.includes("node_modules") && file.endsWith(".test.ts"))).toEqual([]);
  });
});

function image(target: string): EmulatedStage {
  const built = images.get(target);
  if (!built) throw new Error(`${target} was not built`);
  return built;
}

function appFolder(stage: EmulatedStage): string {
  return join(stage.root, stage.workdir);
}

function pick(env: NodeJS.ProcessEnv, names: string): Record<string, string> {
  return Object.fromEntries(names.split(" ").flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
}
