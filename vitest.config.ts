import { defineConfig } from "vitest/config";

// Two projects: `unit` needs nothing running; `integration` (files named *.int.test.ts or
// *.e2e.test.ts) gets a real Pub/Sub emulator from the global setup and a fresh Postgres database
// per test file.
const everywhere = [
  ...["shared", "services/*", "tools/*"].flatMap((root) => [`${root}/src/**`, `${root}/test/**`]),
  "test/**",
];
const realParts = ["**/*.int.test.ts", "**/*.e2e.test.ts"];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: everywhere.map((glob) => `${glob}/*.test.ts`),
          exclude: ["**/node_modules/**", ...realParts],
        },
      },
      {
        test: {
          name: "integration",
          include: everywhere.flatMap((glob) =>
            realParts.map((suffix) => `${glob}/${suffix.replace("**/", "")}`),
          ),
          exclude: ["**/node_modules/**"],
          globalSetup: ["tools/local-stack/src/test-global-setup.ts"],
          setupFiles: ["tools/local-stack/src/test-file-database.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
