import { describeConfig, type ConfigRow } from "@event-hub/shared";
import type { TObject } from "typebox";
import { apiGatewayConfigSchema } from "@event-hub/api-gateway/config";
import { syncWorkerConfigSchema } from "@event-hub/sync-worker/config";
import { dispatcherConfigSchema } from "@event-hub/webhook-dispatcher/config";

export const SERVICE_CONFIG_SCHEMAS: Record<string, TObject> = {
  "sync-worker": syncWorkerConfigSchema,
  "webhook-dispatcher": dispatcherConfigSchema,
  "api-gateway": apiGatewayConfigSchema,
};

/** docs/configuration.md, rendered from the services' own config schemas. */
export function renderConfigurationDoc(): string {
  const sections = Object.entries(SERVICE_CONFIG_SCHEMAS).map(([service, schema]) => {
    const rows = describeConfig(schema).map((row) => {
      const secret = row.secret ? " (secret: never logged)" : "";
      return `| \`${row.name}\` | ${defaultOf(row)} | ${row.description.replaceAll("|", "\\|")}${secret} |`;
    });
    return [`## ${service}`, "", "| variable | default | meaning |", "| --- | --- | --- |", ...rows].join(
      "\n",
    );
  });
  return [
    "# Configuration",
    "",
    "Every environment variable each service reads, generated from the services' config schemas",
    "(`services/*/src/config.ts`) by `npm run docs:config`; a test fails when this file is out of date.",
    "A service with a missing or malformed variable stops at start with one line naming it.",
    "",
    ...sections.flatMap((section) => [section, ""]),
  ].join("\n");
}

function defaultOf(row: ConfigRow): string {
  if (row.required) return "**required**";
  if (row.default === "" || row.default === "[]") return "(empty)";
  if (row.default === undefined || row.default === "undefined") return "(unset)";
  return `\`${row.default}\``;
}
