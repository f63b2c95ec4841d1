/**
 * `make reseal` / `node shared/src/secrets/reseal-cli.ts`: re-seals every stored secret with
 * SECRETS_KEY (opening it with SECRETS_KEY or SECRETS_KEY_PREVIOUS) and prints, per table and
 * column, how many were resealed, already current, or failed. Exits 0 when none failed (then
 * SECRETS_KEY_PREVIOUS can be removed), 1 otherwise. Run it again at any time: it is idempotent.
 * The same command runs as a Kubernetes Job (deploy/reseal-job.yaml) or a Cloud Run job.
 */
import { Type } from "typebox";
import { databaseSettings, loadConfig, secretsSettings } from "../config.ts";
import { assertDatabaseReachable, createPool, describeDatabaseAddress } from "../db/pool.ts";
import { createSecretBox } from "../secrets.ts";
import { resealAll, type ResealReport } from "./reseal.ts";

const settings = Type.Object({
  DATABASE_URL: databaseSettings.DATABASE_URL,
  ...secretsSettings,
  RESEAL_BATCH_SIZE: Type.Integer({ minimum: 1, default: 200, description: "Rows per reseal transaction" }),
});

function fail(message: string): never {
  console.error(`reseal: ${message}`);
  process.exit(1);
}

function formatReport(report: ResealReport): string {
  const rows = [...report].map(([location, c]) => [location, c.resealed, c.current, c.failed].map(String));
  const table = [["location", "resealed", "already current", "failed"], ...rows];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => row[i]?.length ?? 0))) ?? [];
  return table
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

let config: ReturnType<typeof loadConfig<typeof settings>>;
let box: ReturnType<typeof createSecretBox>;
try {
  config = loadConfig(settings);
  box = createSecretBox({ key: config.SECRETS_KEY, previousKeys: config.SECRETS_KEY_PREVIOUS });
} catch (error) {
  fail((error as Error).message);
}

const pool = createPool({
  connectionString: config.DATABASE_URL,
  max: 1,
  applicationName: "event-hub-reseal",
  logger: { error: (_details, message) => console.error(`reseal: ${message}`) },
});
try {
  await assertDatabaseReachable(pool, config.DATABASE_URL);
  const report = await resealAll(pool, box, {
    batchSize: config.RESEAL_BATCH_SIZE,
    onFailure: (f) => console.error(`reseal: ${f.location} of ${f.id}: ${f.reason}`),
  });
  process.stdout.write(`${describeDatabaseAddress(config.DATABASE_URL)}\n${formatReport(report)}\n`);
  const failed = [...report.values()].reduce((sum, counts) => sum + counts.failed, 0);
  if (failed > 0) {
    console.error(
      `reseal: ${failed} value(s) could not be re-sealed; keep SECRETS_KEY_PREVIOUS until they are`,
    );
    process.exitCode = 1;
  } else {
    process.stdout.write("every secret is sealed with SECRETS_KEY; SECRETS_KEY_PREVIOUS can be removed\n");
  }
} catch (error) {
  console.error(`reseal: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
