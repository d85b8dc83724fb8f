/**
 * The runtime import graph of an entry point, read from the TypeScript sources without compiling them: every
 * relative module it loads (recursively) and every package it loads. Type-only imports and exports are left out
 * (the compiler erases them), so a package seen here must be installed at run time.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

export interface ImportClosure {
  /** Repository-relative paths of the .ts files the entry point loads, itself included. */
  files: string[];
  /** Package names (`pkg` or `@scope/pkg`) loaded by any of them, node builtins excluded. */
  packages: string[];
}

function runtimeSpecifiers(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause?.isTypeOnly === true ||
        (clause !== undefined &&
          clause.name === undefined &&
          clause.namedBindings !== undefined &&
          ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.length > 0 &&
          clause.namedBindings.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) out.push(node.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      if (!node.isTypeOnly) out.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

const BUILTINS = new Set(builtinModules);

export function importClosure(root: string, entry: string): ImportClosure {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [path.resolve(root, entry)];
  while (queue.length > 0 && files.size < 10_000) {
    const file = queue.pop()!;
    const rel = path.relative(root, file);
    if (files.has(rel)) continue;
    if (!fs.existsSync(file)) throw new Error(`${rel} is imported but does not exist`);
    files.add(rel);
    for (const spec of runtimeSpecifiers(file)) {
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
        queue.push(target);
      } else if (!spec.startsWith('node:') && !BUILTINS.has(spec)) {
        packages.add(packageName(spec));
      }
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}
