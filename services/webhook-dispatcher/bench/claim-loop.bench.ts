/**
 * The delivery loop alone, on a backlog already in Postgres: no emulator, no consumer, so what it
 * measures is claim → send → record. Delivers `--deliveries` (default 5000) to a local keep-alive
 * receiver that answers 200 at once, and prints deliveries/s, the loop's claims (round trips) and
 * CPU per delivery of this process (the loop) and of the Postgres backends serving its database.
 * Options: --deliveries, --destinations (1), --concurrency (DELIVERY_CONCURRENCY, 50),
 * --max-in-flight (the destinations', 50), --receiver-delay-ms (0: the receiver answers at once; a
 * receiver across a network takes 10–100 ms), --runs (1; each on a fresh backlog).
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { createPool, runMigrations } from "@event-hub/shared";
import type { Pool } from "pg";
import { startPostgres } from "@event-hub/local-stack/postgres";
import { insertBacklog, insertDestination, logger, startTestDeliveryLoop } from "../test/harness.ts";

const { values } = parseArgs({
  options: {
    deliveries: { type: "string", default: "5000" },
    destinations: { type: "string", default: "1" },
    concurrency: { type: "string", default: "50" },
    "max-in-flight": { type: "string", default: "50" },
    "receiver-delay-ms": { type: "string", default: "0" },
    runs: { type: "string", default: "1" },
  },
});
const deliveries = Number(values.deliveries);
const destinations = Number(values.destinations);
const concurrency = Number(values.concurrency);
const maxInFlight = Number(values["max-in-flight"]);
const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ, what /proc/<pid>/stat counts in

const postgres = await startPostgres();
const database = `bench_claim_${process.pid}`;
const databaseUrl = await postgres.createDatabase(database);
const db: Pool = createPool({
  connectionString: databaseUrl,
  max: 10,
  applicationName: "bench-claim",
  logger,
});
const receiver = await startReceiver();
const claims = countStatements(db);
try {
  await runMigrations(db);
  for (let run = 0; run < Number(values.runs); run++) await measure(run);
} finally {
  receiver.close();
  await db.end();
  await postgres.dropDatabase(database);
  await postgres.stop();
}

async function measure(run: number): Promise<void> {
  const ids: string[] = [];
  for (let d = 0; d < destinations; d++) {
    const id = await insertDestination(db, { config: { url: receiver.url }, maxInFlight });
    await insertBacklog(db, id, Math.ceil(deliveries / destinations), `bench-${run}-${d}`);
    ids.push(id);
  }
  const expected = Math.ceil(deliveries / destinations) * destinations;
  const postgresBefore = await backendTicks();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  Object.assign(claims, { transactions: 0, statements: 0, active: true });
  const loop = startTestDeliveryLoop(db, { concurrency, pollIntervalMs: 500, leaseSeconds: 20 });
  while ((await delivered(ids)) < expected) await new Promise((resolve) => setTimeout(resolve, 100));
  const seconds = (performance.now() - started) / 1000;
  await loop.stop();
  claims.active = false;
  const cpu = process.cpuUsage(cpuBefore);
  const postgresTicks = ticksSince(postgresBefore, await backendTicks());
  const perDelivery = (us: number) => (us / expected).toFixed(0).padStart(4);
  process.stdout.write(
    `run ${run}: ${expected} deliveries, ${destinations} destination(s), concurrency ${concurrency}, max_in_flight ${maxInFlight}, receiver ${values["receiver-delay-ms"]} ms: ` +
      `${(expected / seconds).toFixed(0)}/s; ${claims.transactions} transactions (${(expected / Math.max(1, claims.transactions)).toFixed(1)} deliveries each), ${claims.statements} statements (${(claims.statements / expected).toFixed(2)} per delivery); ` +
      `CPU µs/delivery: loop process ${perDelivery(cpu.user + cpu.system)}, Postgres ${perDelivery((postgresTicks * 1e6) / CLOCK_TICKS_PER_SECOND)}; ` +
      `load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}\n`,
  );
}

async function delivered(ids: string[]): Promise<number> {
  const result = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM deliveries WHERE destination_id = ANY ($1) AND status = 'delivered'`,
    [ids],
  );
  return result.rows[0]?.n ?? 0;
}

/** Counts statements the pool sends (one per round trip) and transactions (BEGIN), the bench's own polls excluded. */
function countStatements(pool: Pool) {
  const counts = { transactions: 0, statements: 0, active: false };
  const patched = new WeakSet<object>();
  pool.on("acquire", (client) => {
    if (patched.has(client)) return;
    patched.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      const sql = typeof args[0] === "string" ? args[0] : (args[0] as { text?: string } | undefined)?.text;
      if (counts.active && !sql?.includes("status = 'delivered'")) {
        counts.statements += 1;
        if (sql === "BEGIN") counts.transactions += 1;
      }
      return query(...args);
    };
  });
  return counts;
}

/** utime + stime of each Postgres backend serving this database (readable from /proc on Linux). */
async function backendTicks(): Promise<Map<number, number>> {
  const result = await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [
    database,
  ]);
  const ticks = new Map<number, number>();
  for (const { pid } of result.rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      ticks.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // not on Linux, or the backend ended
    }
  }
  return ticks;
}

function ticksSince(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, ticks] of after) sum += ticks - (before.get(pid) ?? 0);
  return sum;
}

/** The receiver runs in a child process, so its CPU is not counted as the loop's. */
async function startReceiver() {
  const child = fork(
    fileURLToPath(new URL("./keep-alive-receiver.ts", import.meta.url)),
    [values["receiver-delay-ms"]],
    {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  const url = await new Promise<string>((resolve) =>
    child.once("message", (message) => resolve(String(message))),
  );
  return { url, close: () => child.kill() };
}
