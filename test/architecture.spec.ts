import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

// The domain takes time as an argument. This finds clock reads the dependency rules cannot see.
const domainRoot = join(__dirname, '..', 'libs', 'contracts-domain', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * Where the code may read the clock: `Date` as anything but `new Date(<something>)`, `Date.UTC`,
 * `Date.parse`, a type or `instanceof Date` (so `Date()`, `new Date()`, `new Date(...args)`,
 * `Date.now()`, an alias, a `Reflect.construct(Date, [])`); any use of `process`, `performance`,
 * `globalThis`, `global`, `window` or `self`; and a `format()` / `formatToParts()` without a date
 * (Intl formats now), or taken off its formatter to be called later.
 */
/** Whether a call is sure to pass something: not none, a spread (of what may be empty), or `undefined`. */
function givesAnArgument(args: ts.NodeArray<ts.Expression> | undefined): boolean {
  const first = args?.[0];
  return first !== undefined && !ts.isSpreadElement(first) && !(ts.isIdentifier(first) && first.text === 'undefined') && first.kind !== ts.SyntaxKind.VoidExpression;
}

export function clockReads(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const at = (what: string) => found.push(`${fileName}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${what}`);
    const parent = node.parent;
    const isName = parent && ts.isPropertyAccessExpression(parent) && parent.name === node;
    if (ts.isIdentifier(node) && !isName && !(parent && (ts.isTypeReferenceNode(parent) || ts.isImportSpecifier(parent)))) {
      if (['process', 'performance', 'globalThis', 'global', 'window', 'self'].includes(node.text)) at(node.text);
      if (node.text === 'Date') {
        const allowed =
          (ts.isNewExpression(parent) && parent.expression === node && givesAnArgument(parent.arguments)) ||
          (ts.isPropertyAccessExpression(parent) && parent.expression === node && ['UTC', 'parse'].includes(parent.name.text)) ||
          (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.InstanceOfKeyword && parent.right === node);
        if (!allowed) at(parent.getText());
      }
    }
    if (ts.isCallExpression(node) && !givesAnArgument(node.arguments) && ts.isPropertyAccessExpression(node.expression) && ['format', 'formatToParts'].includes(node.expression.name.text)) {
      at(node.getText());
    }
    // A formatter's method taken off it, called later without a date.
    if (ts.isPropertyAccessExpression(node) && ['format', 'formatToParts'].includes(node.name.text) && !(parent && ts.isCallExpression(parent) && parent.expression === node)) {
      at(node.getText());
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('architecture: the domain never reads the clock', () => {
  it('finds a clock read when one is there (the check itself works)', () => {
    expect(clockReads('x.ts', 'const a = new Date(); const b = Date.now();')).toHaveLength(2);
    const probes = [
      'Date()',
      'globalThis.Date.now()',
      'Reflect.construct(Date, [])',
      'const D = Date; new D()',
      'new Intl.DateTimeFormat("fa-IR").format()',
      'process.uptime()',
      'process.hrtime.bigint()',
      'performance.now()',
      'global.Date.now()',
      'new Date(...[])',
      'fmt.format(undefined)',
      'const f = fmt.format; f()',
    ];
    for (const probe of probes) expect({ probe, found: clockReads('x.ts', probe).length > 0 }).toEqual({ probe, found: true });
    expect(clockReads('x.ts', 'const a = new Date(t); const b = Date.UTC(2026, 0, 1); const c = Date.parse(s); let d: Date; x instanceof Date; f.format(a)')).toEqual([]);
  });

  it('libs/contracts-domain has no clock reads', () => {
    const files = sourceFiles(domainRoot);
    expect(files.length).toBeGreaterThan(0);
    const reads = files.flatMap((file) => clockReads(file, readFileSync(file, 'utf8')));
    expect(reads).toEqual([]);
  });
});
