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

export function clockReads(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const at = () => `${fileName}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    if (ts.isNewExpression(node) && node.expression.getText() === 'Date' && !node.arguments?.length) {
      found.push(`${at()} new Date()`);
    }
    if (ts.isCallExpression(node)) {
      const callee = node.expression.getText();
      if (['Date.now', 'performance.now', 'process.hrtime', 'process.hrtime.bigint'].includes(callee)) {
        found.push(`${at()} ${callee}()`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('architecture: the domain never reads the clock', () => {
  it('finds a clock read when one is there (the check itself works)', () => {
    expect(clockReads('x.ts', 'const a = new Date(); const b = Date.now();')).toHaveLength(2);
    expect(clockReads('x.ts', 'const a = new Date(t); const b = Date.UTC(2026, 0, 1);')).toEqual([]);
  });

  it('libs/contracts-domain has no clock reads', () => {
    const files = sourceFiles(domainRoot);
    expect(files.length).toBeGreaterThan(0);
    const reads = files.flatMap((file) => clockReads(file, readFileSync(file, 'utf8')));
    expect(reads).toEqual([]);
  });
});
