// The module graph's rules, over every file of every workspace: sources, tests, benches and tools.
// `make lint` runs `depcruise` with this file; any violation fails it. A package name resolves
// through its workspace link to the real file (shared/src/index.ts, services/x/…), so "a service
// never imports another service" holds whether the import is spelled as a path or as a package.

const WORKSPACE = "^(shared|services/[^/]+|tools/[^/]+)/";

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "An import cycle makes load order matter and hides which module owns what.",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-service-to-service",
      severity: "error",
      comment:
        "Services talk through Postgres and Pub/Sub, never through each other's code. What two services need lives in shared/.",
      from: { path: "^services/([^/]+)/" },
      to: { path: "^services/", pathNot: "^services/$1/" },
    },
    {
      name: "shared-needs-no-service-or-tool",
      severity: "error",
      comment:
        "shared/ is the library every service depends on; it cannot depend back on them or on dev tools.",
      from: { path: "^shared/" },
      to: { path: "^(services|tools)/" },
    },
    {
      name: "service-code-needs-no-tool",
      severity: "error",
      comment:
        "tools/ is for development and tests and is not in the images: a service's shipped code (src/, tests aside) never imports it.",
      from: { path: "^services/[^/]+/src/", pathNot: "\\.test\\.ts$" },
      to: { path: "^tools/" },
    },
    {
      name: "no-relative-import-across-workspaces",
      severity: "error",
      comment:
        "A workspace reaches another only through its package name and declared exports (@event-hub/local-stack/test-names), never by ../../ into its files.",
      from: { path: `${WORKSPACE}` },
      to: { dependencyTypes: ["local"], dependencyTypesNot: ["aliased-workspace"], pathNot: "^$1/" },
    },
    {
      name: "root-tests-use-package-names",
      severity: "error",
      comment: "The root's tests (test/) and configs import workspaces by package name, never by path.",
      from: { pathNot: WORKSPACE },
      to: { dependencyTypes: ["local"], dependencyTypesNot: ["aliased-workspace"], path: WORKSPACE },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment:
        "Every import resolves: a package's file that its `exports` does not declare cannot be imported.",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|\\.tools|\\.local|coverage)/" },
    // Type-only imports count: they are edges of the graph as much as value imports.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "node", "default"],
      extensions: [".ts", ".js"],
    },
  },
};
