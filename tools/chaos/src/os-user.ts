import { findExecutable } from "@event-hub/local-stack/find-executable";

/** Another OS user a child runs as (servers that refuse root: Postgres). */
export type OsUser = { name: string; uid: number; gid: number };

/**
 * `[command, args]` that run `command` as `user` through util-linux's `setpriv`, which execs (the pid
 * stays the server's own, so signals reach it directly). Changing the user clears the parent-death
 * signal the suite's child processes get, so it is set again here: SIGINT, a server's fast shutdown.
 * Without a user, the command as it is.
 */
export function runAsUser(
  user: OsUser | undefined,
  command: string,
  args: readonly string[],
): [string, string[]] {
  if (!user) return [command, [...args]];
  const setpriv = findExecutable("setpriv");
  if (!setpriv) throw new Error(`running ${command} as ${user.name} needs setpriv (util-linux) on PATH`);
  return [
    setpriv,
    [
      `--reuid=${user.uid}`,
      `--regid=${user.gid}`,
      "--init-groups",
      "--pdeathsig=INT",
      "--",
      command,
      ...args,
    ],
  ];
}
