import { parseCliArgs, usage } from "./cli-args.ts";
import { startSimulation } from "./simulation.ts";

// CLI: flags → simulation → optional scenario/load → print the Connectors → wait for SIGINT/SIGTERM.
let options;
try {
  options = parseCliArgs(process.argv.slice(2));
} catch (error) {
  console.error(`connector-sim: ${(error as Error).message}\n${usage}`);
  process.exit(2);
}

const simulation = await startSimulation(options.simulation);
for (const c of simulation.connectors) {
  console.log(`${c.name}  ${c.baseUrl}  X-API-KEY: ${c.apiKey}  address: ${c.address}`);
}

const shutdown = async (code: number) => {
  await simulation.stop();
  process.exit(code);
};
process.once("SIGINT", () => void shutdown(0));
process.once("SIGTERM", () => void shutdown(0));

if (options.scenario) {
  try {
    const result = await simulation.runScenario(options.scenario);
    console.log(`scenario ${options.scenario}: ${JSON.stringify(result)}`);
  } catch (error) {
    console.error(`scenario ${options.scenario} failed: ${(error as Error).message}`);
    if (options.exitAfterScenario) await shutdown(1);
  }
  if (options.exitAfterScenario) await shutdown(0);
}
if (options.load) simulation.connectors[0]?.startLoad(options.load);
