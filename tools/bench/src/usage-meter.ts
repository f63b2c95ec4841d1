import { readProcess } from "./process-usage.ts";

/**
 * CPU seconds of each process of the run over a phase, and each one's peak RSS over the run. A
 * "process" is a name with the pids it has now: a service (its pid changes when it is restarted),
 * the emulator's JVM, Postgres' backends serving the bench's database, the load generator itself.
 * A pid seen only at a phase's end started within it: all its CPU time counts.
 */

export type ProcessPids = () => Promise<Record<string, number[]>>;

export type UsageSample = Record<string, Map<number, number>>;

export type PhaseUsage = {
  phase: string;
  /** Deliveries (or events, for ingest) the phase made; the divisor of `cpuSecondsPer1k`. */
  units: number;
  unit: "deliveries" | "events";
  cpuSeconds: Record<string, number>;
  cpuSecondsPer1k: Record<string, number>;
};

export type UsageMeter = {
  sample(): Promise<UsageSample>;
  phase(
    name: string,
    from: UsageSample,
    to: UsageSample,
    units: number,
    unit: PhaseUsage["unit"],
  ): PhaseUsage;
  /** The highest VmHWM seen per name (for Postgres: its largest backend), in MiB. */
  peakRssMiB(): Record<string, number>;
};

export function createUsageMeter(pidsOf: ProcessPids): UsageMeter {
  const peaks: Record<string, number> = {};
  return {
    sample: async () => {
      const sample: UsageSample = {};
      for (const [name, pids] of Object.entries(await pidsOf())) {
        sample[name] = new Map();
        for (const pid of pids) {
          const reading = readProcess(pid);
          if (!reading) continue;
          sample[name].set(pid, reading.cpuSeconds);
          peaks[name] = Math.max(peaks[name] ?? 0, reading.peakRssMiB);
        }
      }
      return sample;
    },
    phase: (name, from, to, units, unit) => {
      const cpuSeconds: Record<string, number> = {};
      const cpuSecondsPer1k: Record<string, number> = {};
      for (const [process, pids] of Object.entries(to)) {
        let seconds = 0;
        for (const [pid, cpu] of pids) seconds += cpu - (from[process]?.get(pid) ?? 0);
        cpuSeconds[process] = round(seconds);
        cpuSecondsPer1k[process] = units > 0 ? round((seconds * 1000) / units) : 0;
      }
      return { phase: name, units, unit, cpuSeconds, cpuSecondsPer1k };
    },
    peakRssMiB: () => ({ ...peaks }),
  };
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
