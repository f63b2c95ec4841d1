import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS_DIRECTORY, readMigrations } from "./migrate.ts";

const folders: string[] = [];

async function folderWith(files: Record<string, string>): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "hub-migrations-"));
  folders.push(folder);
  for (const [name, sql] of Object.entries(files)) await writeFile(join(folder, name), sql);
  return folder;
}

afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true })));
});

describe("readMigrations", () => {
  it("reads NNNN_name.sql files in version order and ignores other files", async () => {
    const folder = await folderWith({
      "0002_add_events.sql": "CREATE TABLE events (id text);",
      "0001_init.sql": "CREATE TABLE connectors (id text);",
      "README.md": "not a migration",
    });
    const migrations = await readMigrations(folder);
    expect(migrations.map(({ version, name, file }) => ({ version, name, file }))).toStrictEqual([
      { version: 1, name: "init", file: "0001_init.sql" },
      { version: 2, name: "add_events", file: "0002_add_events.sql" },
    ]);
    expect(migrations[0]?.sql).toBe("CREATE TABLE connectors (id text);");
    expect(migrations[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it("gives the same checksum to LF and CRLF line endings, another to changed SQL", async () => {
    const lf = await readMigrations(await folderWith({ "0001_a.sql": "SELECT 1;\nSELECT 2;\n" }));
    const crlf = await readMigrations(await folderWith({ "0001_a.sql": "SELECT 1;\r\nSELECT 2;\r\n" }));
    const edited = await readMigrations(await folderWith({ "0001_a.sql": "SELECT 1;\nSELECT 3;\n" }));
    expect(crlf[0]?.checksum).toBe(lf[0]?.checksum);
    expect(edited[0]?.checksum).not.toBe(lf[0]?.checksum);
  });

  it.each([
    ["1_init.sql", "migration file 1_init.sql is not named NNNN_name.sql"],
    ["0001-init.sql", "migration file 0001-init.sql is not named NNNN_name.sql"],
    ["0001_.sql", "migration file 0001_.sql is not named NNNN_name.sql"],
  ])("rejects the badly named %s", async (file, message) => {
    await expect(readMigrations(await folderWith({ [file]: "SELECT 1;" }))).rejects.toThrow(message);
  });

  it("rejects two files with one version", async () => {
    const folder = await folderWith({ "0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 2;" });
    await expect(readMigrations(folder)).rejects.toThrow(
      "migrations 0001_a.sql and 0001_b.sql have the same version",
    );
  });

  it("names a missing folder", async () => {
    const missing = join(tmpdir(), "hub-no-such-folder");
    await expect(readMigrations(missing)).rejects.toThrow(`cannot read the migrations folder ${missing}`);
  });

  it("defaults to the repository's migrations folder", () => {
    expect(MIGRATIONS_DIRECTORY.endsWith(`${sep}migrations${sep}`)).toBe(true);
    expect(MIGRATIONS_DIRECTORY).not.toContain(`${sep}shared${sep}`);
  });
});
