import type { Child } from "./child-process.ts";
import type { PubSubEmulator } from "./pubsub-emulator.ts";
import { SERVICE_NAMES, type RunningServices, type ServiceName } from "./services.ts";
import { supervise, type SuperviseOptions } from "./supervisor.ts";
import { describeExit } from "./wait-for-http.ts";

/**
 * What `make up` supervises: each service, and the emulator when it is make up's own Java process.
 * A restarted emulator has lost every topic and subscription: make up provisions them again
 * (hub-pubsub.ts), and the services need no restart: their consumers reopen their subscriptions and
 * sync-worker holds publishing until the subscriptions exist (issue 13: events relayed into a topic
 * without the dispatcher's subscription were lost).
 */

export type ServiceSupervision = {
  /** Restarts one service on purpose (its old process's exit is no crash); resolves once it is ready. */
  restart(name: ServiceName): Promise<void>;
  /** No more restarts; waits for one under way. */
  stop(): Promise<void>;
};

export type SupervisionOptions = SuperviseOptions & {
  log: (line: string) => void;
  /** Each child a restart started, e.g. to report its exit during shutdown. */
  onNewChild?: (child: Child) => void;
};

export function superviseServices(
  services: RunningServices,
  options: SupervisionOptions,
): ServiceSupervision {
  // A restart someone asked for, per service: its old process's exit is no crash.
  const planned = new Map<ServiceName, Promise<void>>();
  const restart = (name: ServiceName): Promise<void> => {
    const next = (planned.get(name) ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => services.restart(name))
      .finally(() => {
        if (planned.get(name) === next) planned.delete(name);
        options.onNewChild?.(services.children()[name]);
      });
    planned.set(name, next);
    return next;
  };
  const nextEnd = async (name: ServiceName): Promise<string> => {
    for (;;) {
      const exit = await services.children()[name].exited;
      const plan = planned.get(name);
      if (!plan) return describeExit(exit);
      await plan.catch(() => undefined); // then watch the process it started
    }
  };
  const supervisors = SERVICE_NAMES.map((name) =>
    supervise(
      {
        name,
        nextEnd: () => nextEnd(name),
        restart: () => restart(name),
        isUp: () => planned.has(name) || services.children()[name].isRunning(),
      },
      options,
    ),
  );
  return {
    restart,
    stop: async () => {
      await Promise.all(supervisors.map((supervisor) => supervisor.stop()));
      await Promise.all([...planned.values()].map((plan) => plan.catch(() => undefined)));
    },
  };
}

export type EmulatorSupervision = {
  /** The emulator running now (a restart replaces it). */
  current(): PubSubEmulator;
  stop(): Promise<void>;
};

/** Restarts the emulator (same port) when its process dies, then `afterRestart` (provisioning). */
export function superviseEmulator(
  first: PubSubEmulator,
  start: () => Promise<PubSubEmulator>,
  afterRestart: (emulator: PubSubEmulator) => Promise<void>,
  options: SupervisionOptions,
): EmulatorSupervision {
  let emulator = first;
  const supervisor = supervise(
    {
      name: "Pub/Sub emulator",
      nextEnd: async () => {
        const child = emulator.child;
        return child ? describeExit(await child.exited) : new Promise<string>(() => undefined);
      },
      restart: async () => {
        emulator = await start();
        options.log(
          `Pub/Sub emulator is back at ${emulator.host} with no topics or subscriptions; ` +
            "provisioning them again (the services reopen their subscriptions by themselves)",
        );
        await afterRestart(emulator);
      },
    },
    options,
  );
  return { current: () => emulator, stop: () => supervisor.stop() };
}
