import { runOnServer } from "@event-hub/local-stack/server-admin";

/**
 * A database of its own beside the run's test database (same server), for a dispatcher process:
 * a dispatcher claims every due delivery of its database, so one with other settings (no SSRF_ALLOW,
 * another SECRETS_KEY) must not see the deliveries of tests running in parallel. Named after the
 * run's database (`hub_test_<pid>_...`), so a killed run's leftovers are dropped at the next start.
 */
export async function createOwnDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const runUrl = new URL(process.env.DATABASE_URL ?? "");
  const name = `${runUrl.pathname.slice(1)}_${label}`.replace(/[^a-z0-9_]/gi, "_").toLowerCase();
  const admin = (sql: string) => runOnServer(runUrl, sql);
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(runUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
