import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderConfigurationDoc } from "./configuration-table.ts";

const DOC = new URL("../../docs/configuration.md", import.meta.url);

describe("docs/configuration.md", () => {
  it("lists every variable of every service with its default", () => {
    const rendered = renderConfigurationDoc();
    if (process.env.UPDATE_DOCS === "1") writeFileSync(DOC, rendered);
    expect(readFileSync(DOC, "utf8"), "run `npm run docs:config` to regenerate it").toBe(rendered);
  });
});
