import { existsSync } from "node:fs";
import { join } from "node:path";
import { SERVICE_NODE_FLAGS } from "@event-hub/local-stack/service-node-flags";
import { describe, expect, it } from "vitest";
import { baseImage, lineage, parseDockerfile } from "./dockerfile-stages.ts";
import { dockerignoreMatcher } from "./dockerignore.ts";
import { readText, ROOT, SERVICES } from "./deploy-files.ts";

// hadolint is not installable here: these are the rules the issue asks for, checked on the text.
const dockerfile = parseDockerfile(readText("deploy/Dockerfile"));
const TARGETS = [...SERVICES, "migrate"];

describe("deploy/Dockerfile", () => {
  it("has one target per service and the migration job", () => {
    const names = dockerfile.stages.map((stage) => stage.name);
    for (const target of TARGETS) expect(names).toContain(target);
  });

  it.each(TARGETS)("%s starts from a pinned Node 24 slim image", (target) => {
    const image = baseImage(dockerfile, target);
    expect(image).toMatch(/^node:24\.\d+\.\d+-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/);
  });

  it("runs the Node version the Makefile gives the tests", () => {
    const makefilePin = /^NODE_PACKAGE \?= node@(\S+)$/m.exec(readText("Makefile"))?.[1];
    const imageVersion = /^node:(\d+\.\d+\.\d+)-/.exec(baseImage(dockerfile, "api-gateway"))?.[1];
    expect(imageVersion).toBe(makefilePin);
  });

  it.each(TARGETS)("%s runs as a non-root user", (target) => {
    const users = lineage(dockerfile, target)
      .flatMap((stage) => stage.instructions)
      .filter((instruction) => instruction.keyword === "USER");
    expect(users.length, "a USER instruction in the target's stages").toBeGreaterThan(0);
    const user = users[0]?.args ?? "";
    expect(user.split(":")[0]).not.toMatch(/^(root|0)$/);
    // Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
    expect(user).toMatch(/^\d+(:\d+)?$/);
  });

  it.each(TARGETS)("%s has no dev dependencies, no npm run and no package manager at start", (target) => {
    const chain = lineage(dockerfile, target);
    const runs = chain.flatMap((stage) => stage.instructions).filter((i) => i.keyword === "RUN");
    expect(runs, "the runtime stages install nothing").toEqual([]);
    const copiedFrom = chain
      .flatMap((stage) => stage.instructions)
      .filter((i) => i.keyword === "COPY" && i.args.startsWith("--from="))
      .map((i) => /--from=(\S+)/.exec(i.args)?.[1] ?? "");
    for (const source of copiedFrom) {
      const installs = lineage(dockerfile, source)
        .flatMap((stage) => stage.instructions)
        .filter((i) => i.keyword === "RUN" && /\bnpm (ci|install)\b/.test(i.args));
      expect(installs.length, `${source} installs the dependencies`).toBeGreaterThan(0);
      for (const install of installs) expect(install.args).toMatch(/--omit=dev/);
    }
    const cmd = chain[0]?.instructions.find((i) => i.keyword === "CMD")?.args ?? "";
    const argv = JSON.parse(cmd) as string[]; // exec form: node is PID 1 and receives SIGTERM
    expect(argv[0]).toBe("node");
    const script = argv.at(-1) ?? "";
    expect(existsSync(join(ROOT, script)), `${script} exists`).toBe(true);
  });

  // The heap flags are sized in service-node-flags.ts; make up and the tests must run what ships.
  it.each(SERVICES)("%s runs node with the heap flags the local stack uses", (service) => {
    const cmd = lineage(dockerfile, service)[0]?.instructions.find((i) => i.keyword === "CMD")?.args ?? "[]";
    const argv = JSON.parse(cmd) as string[];
    expect(argv).toEqual(["node", ...SERVICE_NODE_FLAGS, `services/${service}/src/main.ts`]);
  });

  it.each(SERVICES)("%s installs only its own workspace", (service) => {
    const install = lineage(dockerfile, `deps-${service}`)
      .flatMap((stage) => stage.instructions)
      .find((i) => i.keyword === "RUN");
    expect(install?.args).toMatch(new RegExp(`--workspace services/${service}(\\s|$)`));
    const target = dockerfile.stages.find((stage) => stage.name === service);
    const sources = target?.instructions.filter((i) => i.keyword === "COPY").map((i) => i.args) ?? [];
    for (const other of SERVICES.filter((name) => name !== service)) {
      expect(sources.join("\n")).not.toContain(`services/${other}/`);
    }
  });

  it("listens on 8080, the port the manifests expose", () => {
    const env = lineage(dockerfile, "api-gateway")
      .flatMap((stage) => stage.instructions)
      .filter((i) => i.keyword === "ENV")
      .map((i) => i.args)
      .join(" ");
    expect(env).toMatch(/\bPORT=8080\b/);
  });
});

describe(".dockerignore", () => {
  it("keeps node_modules, git, tests and local state out of the build context", () => {
    const ignored = readText(".dockerignore").split("\n");
    for (const pattern of ["**/node_modules", ".git", ".local", ".tools", "**/*.test.ts", ".env"]) {
      expect(ignored).toContain(pattern);
    }
  });

  // image-install.int.test.ts builds the images' folders with this matcher.
  it("is matched by Docker's rules: ** spans folders, dot ones too; * stays in one; from the root", () => {
    const ignored = dockerignoreMatcher("# comment\n**/node_modules\n*.md\ntools/*/src\n**/*.test.ts\n");
    expect(ignored("node_modules")).toBe(true);
    expect(ignored(".tools/node/node_modules/x/index.js")).toBe(true);
    expect(ignored("README.md")).toBe(true);
    expect(ignored("services/api-gateway/README.md")).toBe(false);
    expect(ignored("tools/local-stack/src/up.ts")).toBe(true);
    expect(ignored("tools/local-stack/package.json")).toBe(false);
    expect(ignored("shared/src/config.test.ts")).toBe(true);
    expect(ignored("shared/src/config.ts")).toBe(false);
    expect(() => dockerignoreMatcher("!keep.md")).toThrow(/not emulated/);
  });
});
