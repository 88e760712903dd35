/**
 * Folds the codex protocol types (`src/bridge/codex/protocol/generated/`, one
 * file per type, ~780 files) into one declaration file for the published
 * package, so the tarball carries one `generated.d.ts` instead of thousands
 * of per-type files while every published `.d.ts` still resolves.
 *
 * The generated files are ts-rs output: `import type` lines and one exported
 * type alias each. A name used by two folders (e.g. `ExecPolicyAmendment` in
 * the root and in `v2/`) keeps its name in the root and is prefixed with its
 * folder elsewhere (`v2_ExecPolicyAmendment`); references are renamed through
 * the syntax tree, never by text search.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/** One generated type: the file that declares it and its name in the bundle. */
type TypeFile = { file: string; exportName: string; bundleName: string };

const SKIPPED = new Set(["index.ts"]);

function listTypeFiles(dir: string, sub = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, sub)).sort()) {
    const rel = sub ? `${sub}/${name}` : name;
    if (statSync(path.join(dir, rel)).isDirectory()) out.push(...listTypeFiles(dir, rel));
    else if (name.endsWith(".ts") && !SKIPPED.has(name)) out.push(rel);
  }
  return out;
}

/** The `.ts` file (relative to the generated folder) a relative `./X.js` specifier names. */
function targetOf(fromRel: string, specifier: string): string {
  const joined = path.posix.join(path.posix.dirname(fromRel), specifier);
  return joined.replace(/\.js$/, ".ts");
}

function parse(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

/** Maps every generated file to its unique name in the bundle. */
function nameTypes(generatedDir: string): Map<string, TypeFile> {
  const files = listTypeFiles(generatedDir);
  const counts = new Map<string, number>();
  for (const rel of files) {
    const base = path.posix.basename(rel, ".ts");
    counts.set(base, (counts.get(base) ?? 0) + 1);
  }
  const types = new Map<string, TypeFile>();
  for (const rel of files) {
    const base = path.posix.basename(rel, ".ts");
    const dir = path.posix.dirname(rel);
    const unique = counts.get(base) === 1 || dir === ".";
    types.set(rel, { file: rel, exportName: base, bundleName: unique ? base : `${dir.replace(/\//g, "_")}_${base}` });
  }
  return types;
}

/** One generated file's declarations, with imported and own names replaced by bundle names. */
function bundleFile(generatedDir: string, type: TypeFile, types: Map<string, TypeFile>): string {
  const text = readFileSync(path.join(generatedDir, type.file), "utf8");
  const sf = parse(type.file, text);
  const renames = new Map<string, string>([[type.exportName, type.bundleName]]);
  const kept: ts.Statement[] = [];
  for (const statement of sf.statements) {
    if (ts.isImportDeclaration(statement)) {
      const target = types.get(targetOf(type.file, (statement.moduleSpecifier as ts.StringLiteral).text));
      const bindings = statement.importClause?.namedBindings;
      if (!target || !bindings || !ts.isNamedImports(bindings)) {
        throw new Error(`protocol bundle: unexpected import in ${type.file}: ${statement.getText(sf)}`);
      }
      for (const element of bindings.elements) renames.set(element.name.text, target.bundleName);
      continue;
    }
    if (ts.isTypeAliasDeclaration(statement) || ts.isInterfaceDeclaration(statement)) {
      kept.push(statement);
      continue;
    }
    throw new Error(`protocol bundle: unexpected statement in ${type.file}: ${statement.getText(sf).slice(0, 80)}`);
  }
  const parts: string[] = [];
  for (const statement of kept) {
    const start = statement.getStart(sf, true);
    const edits: Array<{ start: number; end: number; text: string }> = [];
    const visit = (node: ts.Node): void => {
      const isNameUse =
        ts.isIdentifier(node) &&
        ((ts.isTypeReferenceNode(node.parent) && node.parent.typeName === node) ||
          (ts.isExpressionWithTypeArguments(node.parent) && node.parent.expression === node) ||
          ((ts.isTypeAliasDeclaration(node.parent) || ts.isInterfaceDeclaration(node.parent)) && node.parent.name === node));
      if (isNameUse) {
        const renamed = renames.get(node.text);
        if (renamed !== undefined && renamed !== node.text) {
          edits.push({ start: node.getStart(sf), end: node.end, text: renamed });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(statement);
    let out = text.slice(start, statement.end);
    for (const edit of edits.sort((a, b) => b.start - a.start)) {
      out = out.slice(0, edit.start - start) + edit.text + out.slice(edit.end - start);
    }
    parts.push(out);
  }
  return `// ${type.file}\n${parts.join("\n")}\n`;
}

function listDeclarations(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listDeclarations(full));
    else if (name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

/**
 * Rewrites `import type { X } from "./generated/v2/X.js"` (and `export ... from`)
 * in one compiled declaration file to name the bundle instead.
 * @returns the new text, or `undefined` when the file names no generated type.
 */
function redirectImports(
  declarationFile: string,
  distGeneratedDir: string,
  bundleFileJs: string,
  types: Map<string, TypeFile>,
): string | undefined {
  const text = readFileSync(declarationFile, "utf8");
  const sf = parse(declarationFile, text);
  const edits: Array<{ start: number; end: number; text: string }> = [];
  for (const statement of sf.statements) {
    const isImport = ts.isImportDeclaration(statement);
    if (!isImport && !ts.isExportDeclaration(statement)) continue;
    const specifierNode = statement.moduleSpecifier;
    if (!specifierNode || !ts.isStringLiteral(specifierNode) || !specifierNode.text.startsWith(".")) continue;
    const resolved = path.resolve(path.dirname(declarationFile), specifierNode.text);
    const relToGenerated = path.relative(distGeneratedDir, resolved).split(path.sep).join("/");
    if (relToGenerated.startsWith("..") || path.isAbsolute(relToGenerated)) continue;
    const target = types.get(relToGenerated.replace(/\.js$/, ".ts"));
    const bindings = isImport ? statement.importClause?.namedBindings : statement.exportClause;
    if (!target || !bindings || !(ts.isNamedImports(bindings) || ts.isNamedExports(bindings))) {
      throw new Error(`protocol bundle: cannot redirect ${statement.getText(sf)} in ${declarationFile}`);
    }
    const names = bindings.elements.map((element) => {
      const imported = (element.propertyName ?? element.name).text;
      if (imported !== target.exportName) {
        throw new Error(`protocol bundle: ${target.file} exports ${target.exportName}, not ${imported}`);
      }
      const local = element.name.text;
      return target.bundleName === local ? local : `${target.bundleName} as ${local}`;
    });
    let specifier = path.relative(path.dirname(declarationFile), bundleFileJs).split(path.sep).join("/");
    if (!specifier.startsWith(".")) specifier = `./${specifier}`;
    const keyword = isImport ? "import" : "export";
    edits.push({
      start: statement.getStart(sf),
      end: statement.end,
      text: `${keyword} type { ${names.join(", ")} } from ${JSON.stringify(specifier)};`,
    });
  }
  if (edits.length === 0) return undefined;
  let out = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  }
  return out;
}

/**
 * Replaces `<distProtocolDir>/generated/` (what `tsc` emitted per type) with
 * one `generated.d.ts`, and points every declaration file under `distRoot`
 * that imported a per-type file at it.
 * @param generatedDir - The source folder of the generated types.
 * @param distProtocolDir - The compiled `protocol/` folder in `dist`.
 * @param distRoot - Root of the declarations to redirect (e.g. `dist/src/bridge`).
 * @returns How many types were bundled and how many declaration files were rewritten.
 * @throws Error when a generated file or an import has a shape this bundler does not know.
 */
export function bundleProtocolTypes(
  generatedDir: string,
  distProtocolDir: string,
  distRoot: string,
): { types: number; redirected: number } {
  const types = nameTypes(generatedDir);
  const header =
    "/* eslint-disable */\n" +
    "// The codex app-server protocol types, folded into one file by scripts/protocolTypes.ts\n" +
    "// from src/bridge/codex/protocol/generated/ (codex `app-server generate-ts`).\n\n";
  const body = [...types.values()].map((type) => bundleFile(generatedDir, type, types)).join("\n");
  const distGeneratedDir = path.join(distProtocolDir, "generated");
  rmSync(distGeneratedDir, { recursive: true, force: true });
  const bundle = path.join(distProtocolDir, "generated.d.ts");
  writeFileSync(bundle, header + body);
  let redirected = 0;
  for (const file of listDeclarations(distRoot)) {
    if (file === bundle) continue;
    const next = redirectImports(file, distGeneratedDir, path.join(distProtocolDir, "generated.js"), types);
    if (next === undefined) continue;
    writeFileSync(file, next);
    redirected += 1;
  }
  return { types: types.size, redirected };
}
