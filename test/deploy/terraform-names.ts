/**
 * Reads names out of deploy/terraform without a HCL parser: variable defaults, and the string
 * attributes of one resource block. Enough for the files there, which `terraform fmt` keeps regular.
 */

export function variableDefaults(hcl: string): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const match of hcl.matchAll(/^variable "([\w-]+)" \{\n([\s\S]*?)^\}/gm)) {
    const value = /^\s*default\s*=\s*"([^"]*)"/m.exec(match[2] ?? "")?.[1];
    if (match[1] && value !== undefined) defaults[match[1]] = value;
  }
  return defaults;
}

/** The body of `resource "<type>" "<name>" { ... }`, top-level closing brace included. */
export function resourceBlock(hcl: string, type: string, name: string): string {
  const match = new RegExp(`^resource "${type}" "${name}" \\{\\n([\\s\\S]*?)^\\}`, "m").exec(hcl);
  if (!match?.[1]) throw new Error(`no resource ${type}.${name}`);
  return match[1];
}

/** `attribute = value` (first occurrence, any depth) of a block, quotes removed. */
export function attribute(block: string, name: string): string | undefined {
  const match = new RegExp(`^\\s*${name}\\s*=\\s*(.+)$`, "m").exec(block);
  return match?.[1]?.trim().replace(/^"(.*)"$/, "$1");
}

/**
 * The body of the first nested `<name> { ... }` block (or `<name> = { ... }` object) inside `block`,
 * braces matched, or undefined.
 */
export function nestedBlock(block: string, name: string): string | undefined {
  const start = new RegExp(`^\\s*${name}\\s*=?\\s*\\{`, "m").exec(block);
  if (!start) return undefined;
  let depth = 1;
  const from = start.index + start[0].length;
  for (let i = from; i < block.length; i++) {
    if (block[i] === "{") depth++;
    if (block[i] === "}" && --depth === 0) return block.slice(from, i);
  }
  throw new Error(`unbalanced braces in ${name} block`);
}
