import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The module graph's rules: no import cycles; a service never imports another service; shared
// never imports a service or a tool. (What madge and dependency-cruiser would check, without them.)

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SOURCE_ROOTS = [
  "shared/src",
  ...["services", "tools"].flatMap((dir) => subfolders(dir).map((s) => `${s}/src`)),
];
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g;

function subfolders(dir: string): string[] {
  return readdirSync(join(ROOT, dir))
    .map((name) => `${dir}/${name}`)
    .filter((path) => statSync(join(ROOT, path)).isDirectory());
}

function sourceFiles(dir: string): string[] {
  const absolute = join(ROOT, dir);
  return readdirSync(absolute, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
    .map((name) => join(absolute, name));
}

/** file → the files it imports: relative imports and `@event-hub/shared`. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of SOURCE_ROOTS.flatMap(sourceFiles)) {
    const targets = [...readFileSync(file, "utf8").matchAll(IMPORT)].flatMap(([, specifier = ""]) => {
      if (specifier.startsWith(".")) return [resolve(dirname(file), specifier)];
      if (specifier === "@event-hub/shared") return [join(ROOT, "shared/src/index.ts")];
      return [];
    });
    graph.set(file, targets);
  }
  return graph;
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === "done") return undefined;
    if (state.get(file) === "visiting") return [...path.slice(path.indexOf(file)), file];
    state.set(file, "visiting");
    path.push(file);
    for (const target of graph.get(file) ?? []) {
      const cycle = visit(target);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(file, "done");
    return undefined;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

const owner = (file: string) => relative(ROOT, file).split("/").slice(0, 2).join("/");

describe("module graph", () => {
  const graph = importGraph();

  it("has no import cycles", () => {
    expect(findCycle(graph)?.map((file) => relative(ROOT, file))).toBeUndefined();
  });

  it("keeps services apart and shared independent of them", () => {
    const crossings = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => {
          const from = owner(file);
          const to = owner(target);
          if (from === to || to.startsWith("shared")) return false;
          return from.startsWith("services/") || from.startsWith("shared");
        })
        .map((target) => `${relative(ROOT, file)} → ${relative(ROOT, target)}`),
    );
    expect(crossings).toStrictEqual([]);
  });
});
