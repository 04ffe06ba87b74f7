// Lists the properties of a type alias exported by openapi/use.ts (default
// ListItem: one item of GET /v1/articles) as the TypeScript checker sees
// them, marking the optional ones, so the report can say which fields a
// strict client must guard. Usage: node openapi/fields.mjs [TypeName…]
import ts from "typescript";
import { fileURLToPath } from "node:url";

const file = fileURLToPath(new URL("./use.ts", import.meta.url));
const program = ts.createProgram([file], {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
});
const checker = program.getTypeChecker();
const source = program.getSourceFile(file);
const names = process.argv.slice(2).length ? process.argv.slice(2) : ["ListItem"];
for (const name of names) {
  const alias = source.statements.find((s) => ts.isTypeAliasDeclaration(s) && s.name.text === name);
  if (!alias) {
    console.log(`FIELDS\t${name}\t(no such type)`);
    continue;
  }
  const type = checker.getTypeAtLocation(alias.name);
  const props = checker.getPropertiesOfType(type).map((p) => {
    const optional = (p.flags & ts.SymbolFlags.Optional) !== 0;
    return `${p.name}${optional ? "?" : ""}`;
  });
  const opt = props.filter((p) => p.endsWith("?"));
  console.log(`FIELDS\t${name}\t${props.length} fields, ${opt.length} optional: ${props.join(", ")}`);
}
