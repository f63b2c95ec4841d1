import { readFileSync } from "node:fs";

/**
 * CPU time and peak memory of a process, from Linux's /proc: `utime + stime` (fields 14 and 15 of
 * /proc/<pid>/stat, in clock ticks) and `VmHWM` (peak resident set) of /proc/<pid>/status.
 * Elsewhere (no /proc) every reading is undefined and the table says n/a.
 */

/** USER_HZ: 100 on every Linux the hub runs on (sysconf(_SC_CLK_TCK); Node has no call for it). */
const CLOCK_TICKS_PER_SECOND = 100;

export type ProcessReading = { cpuSeconds: number; peakRssMiB: number };

export function readProcess(pid: number): ProcessReading | undefined {
  try {
    return { cpuSeconds: cpuSecondsOf(pid), peakRssMiB: peakRssMiBOf(pid) };
  } catch {
    return undefined;
  }
}

function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const [utime, stime] = [Number(fields[11]), Number(fields[12])];
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

function peakRssMiBOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  if (!Number.isFinite(kib)) throw new Error(`no VmHWM for ${pid}`);
  return Math.round(kib / 1024);
}
