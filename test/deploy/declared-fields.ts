import { join } from "node:path";
import ts from "typescript";
import { ROOT } from "./deploy-files.ts";

/**
 * Fields a manifest sets that its Kubernetes (or Knative) definition does not declare. The bundled
 * JSON-schema validators accept any extra property (the OpenAPI definitions do not say
 * `additionalProperties: false`), so a typo like `readinesProbe` would pass them, and the API server
 * would drop it silently (or reject it with field validation). The declarations are the TypeScript
 * interfaces kubernetes-models generates from the same OpenAPI definitions, read with the compiler.
 */

const ENTRY = join(ROOT, "test/deploy/declared-fields.entry.ts");

type Checker = { checker: ts.TypeChecker; modules: Map<string, ts.Symbol> };
let loaded: Checker | undefined;

/** `modules`: apiVersion → the package module whose `I<Kind>` interfaces describe it. */
export function undeclaredFields(
  manifest: { apiVersion: string; kind: string },
  modules: Record<string, string>,
): string[] {
  const { checker, modules: symbols } = load(modules);
  const module = symbols.get(manifest.apiVersion);
  const exported = module && checker.getExportsOfModule(module).find((s) => s.name === `I${manifest.kind}`);
  if (!exported) throw new Error(`no declaration for ${manifest.apiVersion} ${manifest.kind}`);
  const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const problems: string[] = [];
  walk(checker, manifest, checker.getDeclaredTypeOfSymbol(symbol), manifest.kind, problems);
  return problems;
}

function load(modules: Record<string, string>): Checker {
  if (loaded) return loaded;
  const names = Object.keys(modules);
  const source = names.map((_, i) => `export * as m${i} from "${modules[names[i] ?? ""]}";`).join("\n");
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => (file === ENTRY ? source : readFile(file));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => file === ENTRY || fileExists(file);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language) =>
    file === ENTRY ? ts.createSourceFile(file, source, language) : getSourceFile(file, language);
  const program = ts.createProgram([ENTRY], options, host);
  const checker = program.getTypeChecker();
  const entry = program.getSourceFile(ENTRY);
  const entrySymbol = entry && checker.getSymbolAtLocation(entry);
  if (!entrySymbol) throw new Error("declared-fields: the entry did not compile");
  const exports = checker.getExportsOfModule(entrySymbol);
  const symbols = new Map<string, ts.Symbol>();
  names.forEach((name, i) => {
    const namespace = exports.find((s) => s.name === `m${i}`);
    const target = namespace && checker.getAliasedSymbol(namespace);
    if (!target || target.flags & ts.SymbolFlags.Alias) throw new Error(`cannot resolve ${modules[name]}`);
    symbols.set(name, target);
  });
  loaded = { checker, modules: symbols };
  return loaded;
}

function walk(checker: ts.TypeChecker, value: unknown, declared: ts.Type, path: string, problems: string[]) {
  if (value === null || typeof value !== "object") return;
  const type = checker.getNonNullableType(declared);
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
  if (Array.isArray(value)) {
    const element = checker.isArrayType(type)
      ? checker.getTypeArguments(type as ts.TypeReference)[0]
      : undefined;
    if (element) value.forEach((item, i) => walk(checker, item, element, `${path}[${i}]`, problems));
    return;
  }
  // Unions of several object shapes cannot say which one applies; primitives are the schema's job.
  const shapes = (type.isUnion() ? type.types : [type]).filter((t) => t.flags & ts.TypeFlags.Object);
  const [shape] = shapes;
  if (shapes.length !== 1 || !shape) return;
  const index = checker.getIndexTypeOfType(shape, ts.IndexKind.String);
  for (const [key, child] of Object.entries(value)) {
    const property = checker.getPropertyOfType(shape, key);
    if (property) walk(checker, child, checker.getTypeOfSymbol(property), `${path}.${key}`, problems);
    else if (index) walk(checker, child, index, `${path}.${key}`, problems);
    else problems.push(`${path}.${key}`);
  }
}
