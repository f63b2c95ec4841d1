/**
 * Which build-context paths a .dockerignore leaves out, by Docker's rules for the pattern kinds this
 * repository uses: `*` and `?` within one path segment, `**` across segments (dot folders
 * included, unlike path.matchesGlob), patterns anchored at the context root.
 */

const TOKENS: Record<string, string> = {
  "**/": "(?:.*/)?",
  "/**": "(?:/.*)?",
  "**": ".*",
  "*": "[^/]*",
  "?": "[^/]",
};

/** A test for context-relative paths (`a/b/c`): true when the path or a folder above it is left out. */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const patterns = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  // Exceptions and character classes change which folders may be skipped whole: refuse them
  // rather than emulate them wrongly.
  const unsupported = patterns.find((pattern) => /^!|[[\\]/.test(pattern));
  if (unsupported) throw new Error(`.dockerignore pattern not emulated: ${unsupported}`);
  const expressions = patterns.map((pattern) => {
    const anchored = pattern.replace(/^\/+/, "").replace(/\/+$/, "");
    const source = anchored.replaceAll(
      /\*\*\/|\/\*\*$|\*\*|\*|\?|[.+^${}()|]/g,
      (token) => TOKENS[token] ?? `\\${token}`,
    );
    return new RegExp(`^${source}$`);
  });
  return (path) => {
    const segments = path.split("/");
    return segments.some((_segment, index) => {
      const prefix = segments.slice(0, index + 1).join("/");
      return expressions.some((expression) => expression.test(prefix));
    });
  };
}
