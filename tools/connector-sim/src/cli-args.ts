import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { LogLevel } from "./logger.ts";
import { scenarioNames } from "./scenarios/index.ts";
import type { SimulationOptions } from "./simulation.ts";
import type { WebhooksConfig } from "./webhooks/config.ts";

export type CliOptions = {
  simulation: SimulationOptions;
  scenario?: string;
  load?: { eventsPerSecond: number; mix?: Record<string, number>; durationSeconds?: number };
  exitAfterScenario: boolean;
};

export const usage = `Usage: npm run sim -- [options]
  --connectors <n>          number of simulated Connectors (default 2)
  --base-port <port>        Connector i listens on port+i (default: free ports)
  --host <host>             listen address (default 127.0.0.1)
  --webhooks <json|@file>   webhooks module config for every Connector ({targets, webhooks, skipTlsCheck})
  --webhook-url <url>       shorthand: every event ("**") to this URL ({{trigger}} allowed)
  --sync-interval <s>       sync every s seconds, like the Connector's sync module (default off)
  --event-dialect <v6|v7>   shape of event data (default v6 = connector-sdk 6.x)
  --scenario <name>         run a scenario after start: ${scenarioNames.join(", ")}
  --exit                    exit after the scenario
  --load <n>                make connector-1 raise n events per second
  --load-mix <json>         namespace → weight, e.g. '{"transport.messageReceived":3,"transport.messageSent":1}'
  --load-duration <s>       stop the load after s seconds
  --log-level <level>       debug | info | warn | error | silent (default info)`;

/** Parses the CLI flags; throws with a one-line message on bad input. */
export function parseCliArgs(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      connectors: { type: "string" },
      "base-port": { type: "string" },
      host: { type: "string" },
      webhooks: { type: "string" },
      "webhook-url": { type: "string" },
      "sync-interval": { type: "string" },
      "event-dialect": { type: "string" },
      scenario: { type: "string" },
      exit: { type: "boolean" },
      load: { type: "string" },
      "load-mix": { type: "string" },
      "load-duration": { type: "string" },
      "log-level": { type: "string" },
    },
    strict: true,
  });
  if (values.scenario && !scenarioNames.includes(values.scenario)) {
    throw new Error(`unknown scenario '${values.scenario}'; known: ${scenarioNames.join(", ")}`);
  }
  const dialect = values["event-dialect"];
  if (dialect && dialect !== "v6" && dialect !== "v7") throw new Error("--event-dialect must be v6 or v7");
  const simulation: SimulationOptions = {
    connectors: positiveInteger(values.connectors, "--connectors") ?? 2,
    ...optional("basePort", positiveInteger(values["base-port"], "--base-port")),
    ...optional("host", values.host),
    ...optional("webhooks", webhooksConfig(values.webhooks, values["webhook-url"])),
    ...optional("syncIntervalSeconds", positiveNumber(values["sync-interval"], "--sync-interval")),
    ...optional("eventDialect", dialect as "v6" | "v7" | undefined),
    ...optional("logLevel", values["log-level"] as LogLevel | undefined),
  };
  const eventsPerSecond = positiveNumber(values.load, "--load");
  return {
    simulation,
    ...optional("scenario", values.scenario),
    ...optional(
      "load",
      eventsPerSecond === undefined
        ? undefined
        : {
            eventsPerSecond,
            ...optional(
              "mix",
              values["load-mix"] ? (JSON.parse(values["load-mix"]) as Record<string, number>) : undefined,
            ),
            ...optional("durationSeconds", positiveNumber(values["load-duration"], "--load-duration")),
          },
    ),
    exitAfterScenario: values.exit ?? false,
  };
}

function webhooksConfig(json: string | undefined, url: string | undefined): WebhooksConfig | undefined {
  if (json) {
    const text = json.startsWith("@") ? readFileSync(json.slice(1), "utf8") : json;
    return JSON.parse(text) as WebhooksConfig;
  }
  return url ? { webhooks: [{ triggers: ["**"], target: { url } }] } : undefined;
}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  const number = positiveNumber(value, flag);
  if (number !== undefined && !Number.isInteger(number)) throw new Error(`${flag} must be a whole number`);
  return number;
}

function positiveNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0)
    throw new Error(`${flag} must be a positive number, got '${value}'`);
  return number;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
