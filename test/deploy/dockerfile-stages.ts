/** The stages of a Dockerfile, enough to check its rules without Docker. */

export type Instruction = { keyword: string; args: string };
export type Stage = { name: string; from: string; instructions: Instruction[] };
export type Dockerfile = { args: Record<string, string>; stages: Stage[] };

export function parseDockerfile(text: string): Dockerfile {
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const { keyword, args: rest } of instructions(text)) {
    if (keyword === "FROM") {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!match?.[1]) throw new Error(`unreadable FROM ${rest}`);
      stages.push({ name: match[2] ?? String(stages.length), from: match[1], instructions: [] });
    } else if (stages.length === 0 && keyword === "ARG") {
      const [name, value] = rest.split("=", 2);
      if (name) args[name] = value ?? "";
    } else {
      stages.at(-1)?.instructions.push({ keyword, args: rest });
    }
  }
  return { args, stages };
}

/** Instructions with line continuations joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const joined = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    .replaceAll(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const space = line.search(/\s/);
      return { keyword: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
    });
}

/** The stage and the stages it is built FROM, nearest first. */
export function lineage(dockerfile: Dockerfile, name: string): Stage[] {
  const chain: Stage[] = [];
  let stage = dockerfile.stages.find((candidate) => candidate.name === name);
  while (stage) {
    chain.push(stage);
    const parent = stage.from;
    stage = dockerfile.stages.find((candidate) => candidate.name === parent);
  }
  return chain;
}

/** The base image a stage chain starts from, with ${ARG} defaults substituted. */
export function baseImage(dockerfile: Dockerfile, name: string): string {
  const root = lineage(dockerfile, name).at(-1);
  if (!root) throw new Error(`no stage ${name}`);
  return expandArgs(dockerfile, root.from);
}

/** `text` with every ${ARG} replaced by the default the Dockerfile gives it before its first FROM. */
export function expandArgs(dockerfile: Dockerfile, text: string): string {
  return text.replaceAll(/\$\{(\w+)\}/g, (_whole, arg: string) => dockerfile.args[arg] ?? "");
}
