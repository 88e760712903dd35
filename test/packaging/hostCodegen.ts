/**
 * Writes a host app's `convex/_generated/` as `npx convex codegen` (convex
 * 1.48, JavaScript codegen, the default) would, without a deployment.
 *
 * `server.{js,d.ts}` come from convex's own codegen template
 * (`convex/dist/esm/cli/codegen_templates/server.js`); `dataModel.d.ts`
 * (convex's `dynamicDataModelDTS`, whose module needs convex's CLI bundle to
 * load) and `api.js` (`componentApiJs`) are the same text with convex's
 * `header()`. `api.d.ts`
 * follows `componentApiDTS` in its dynamic form: one `import type` per
 * function module, `ApiFromModules`, and, for each mounted component, the
 * line convex writes when the component is an installed package:
 * `"codex": import("codex-convex/_generated/component.js").ComponentApi<"codex">`.
 * Convex needs a deployment's analysis only for the static form, which hosts
 * do not use by default.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

type Templates = {
  header: (description: string) => string;
  apiComment: (apiName: string, type: "public" | "internal" | undefined) => string;
  serverCodegen: (opts: { useTypeScript: boolean; envVars: unknown[] | undefined }) => { JS?: string; DTS?: string };
  importPath: (modulePath: string) => string;
  moduleIdentifier: (modulePath: string) => string;
};

async function loadTemplates(convexPackageDir: string): Promise<Templates> {
  const dir = path.join(convexPackageDir, "dist", "esm", "cli", "codegen_templates");
  const load = (name: string) => import(pathToFileURL(path.join(dir, name)).href) as Promise<Record<string, unknown>>;
  const [common, server, api] = await Promise.all([load("common.js"), load("server.js"), load("api.js")]);
  return {
    header: common.header as Templates["header"],
    apiComment: common.apiComment as Templates["apiComment"],
    serverCodegen: server.serverCodegen as Templates["serverCodegen"],
    importPath: api.importPath as Templates["importPath"],
    moduleIdentifier: api.moduleIdentifier as Templates["moduleIdentifier"],
  };
}

/**
 * Function modules as convex's bundler (`entryPoints`) picks them: JS/TS
 * files outside `_generated`, no dotfiles, not `schema.ts`, one dot only (so
 * `convex.config.ts` and `*.test.ts` are skipped), no spaces.
 */
function functionModules(convexDir: string, sub = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(convexDir, sub), { withFileTypes: true })) {
    const rel = sub ? `${sub}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== "_generated" && entry.name !== "node_modules") out.push(...functionModules(convexDir, rel));
      continue;
    }
    if (!/\.(ts|tsx|js|jsx|mjs|cjs)$/.test(entry.name)) continue;
    if (entry.name.startsWith(".") || entry.name.startsWith("#") || entry.name.includes(" ")) continue;
    if (entry.name === "schema.ts" || entry.name === "schema.js" || entry.name.split(".").length > 2) continue;
    out.push(rel);
  }
  return out.sort();
}

/**
 * Writes `<convexDir>/_generated/` for a host app.
 * @param convexDir - The host's `convex/` folder (holding `schema.ts`).
 * @param convexPackageDir - The installed `convex` package whose templates to use.
 * @param components - Mounted components: name → package import specifier (e.g. `{ codex: "codex-convex" }`).
 * @returns The names of the files written.
 */
export async function writeHostGenerated(
  convexDir: string,
  convexPackageDir: string,
  components: Record<string, string>,
): Promise<string[]> {
  const t = await loadTemplates(convexPackageDir);
  const modules = functionModules(convexDir);
  const server = t.serverCodegen({ useTypeScript: false, envVars: [] });
  const apiJs = `${t.header("Generated `api` utility.")}
import { anyApi, componentsGeneric } from "convex/server";
${t.apiComment("api", undefined)}
export const api = anyApi;
export const internal = anyApi;
export const components = componentsGeneric();
`;
  const apiDts = [
    t.header("Generated `api` utility."),
    ...modules.map((m) => `import type * as ${t.moduleIdentifier(m)} from "../${t.importPath(m)}.js";`),
    `
import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";

declare const fullApi: ApiFromModules<{`,
    ...modules.map((m) => `  "${t.importPath(m)}": typeof ${t.moduleIdentifier(m)},`),
    `}>;`,
    t.apiComment("api", "public"),
    `export declare const api: FilterApi<typeof fullApi, FunctionReference<any, "public">>;`,
    t.apiComment("internal", "internal"),
    `export declare const internal: FilterApi<typeof fullApi, FunctionReference<any, "internal">>;`,
    ``,
    `export declare const components: {`,
    ...Object.entries(components).map(
      ([name, specifier]) => `  "${name}": import("${specifier}/_generated/component.js").ComponentApi<"${name}">,`,
    ),
    `};`,
    ``,
  ].join("\n");
  const files: Record<string, string> = {
    "api.d.ts": apiDts,
    "api.js": apiJs,
    "dataModel.d.ts": `${t.header("Generated data model types.")}
import type { DataModelFromSchemaDefinition, DocumentByName, TableNamesInDataModel, SystemTableNames } from "convex/server";
import type { GenericId } from "convex/values";
import schema from "../schema.js";

/** The names of all of your Convex tables. */
export type TableNames = TableNamesInDataModel<DataModel>;

/** The type of a document stored in Convex. */
export type Doc<TableName extends TableNames> = DocumentByName<DataModel, TableName>;

/** An identifier for a document in Convex. */
export type Id<TableName extends TableNames | SystemTableNames> = GenericId<TableName>;

/** A type describing your Convex data model. */
export type DataModel = DataModelFromSchemaDefinition<typeof schema>;
`,
    "server.d.ts": server.DTS ?? "",
    "server.js": server.JS ?? "",
  };
  const outDir = path.join(convexDir, "_generated");
  mkdirSync(outDir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(outDir, name), content);
  return Object.keys(files);
}
