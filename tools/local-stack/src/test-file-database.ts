import { randomBytes } from "node:crypto";
import { afterAll, inject } from "vitest";
import { runOnServer } from "./server-admin.ts";

/**
 * A setupFile of the `integration` project: every test file gets a database of its own on the
 * run's server, so destinations one file registers never match the events of another file's
 * services. Named after the run's database (`hub_test_<pid>_<time>_file_…`), so the global
 * teardown and the next run's clean-up find what a killed run left. PGlite has one database only:
 * there the files share the run's database.
 */

const runDatabaseUrl = inject("databaseUrl");

if (inject("postgresSource") !== "pglite") {
  const runUrl = new URL(runDatabaseUrl);
  const name = `${runUrl.pathname.slice(1)}_file_${randomBytes(4).toString("hex")}`;
  await runOnServer(runUrl, `CREATE DATABASE "${name}"`);
  const fileUrl = new URL(runUrl);
  fileUrl.pathname = `/${name}`;
  process.env.DATABASE_URL = fileUrl.toString();

  afterAll(async () => {
    process.env.DATABASE_URL = runDatabaseUrl;
    await runOnServer(runUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}
