/** NUL, or half of a UTF-16 surrogate pair alone: PostgreSQL's text and JSONB can hold neither. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Where in `value` (a JSON value) the first string or key is that PostgreSQL cannot store, as a
 * dotted path (`corrections.address`, `documents.0.reference`; '' for `value` itself), or
 * undefined when every one can be stored. Iterative, so no depth of nesting overflows the stack.
 */
export function unstorableTextAt(value: unknown): string | undefined {
  const pending: Array<[unknown, string]> = [[value, '']];
  while (pending.length > 0) {
    const [node, path] = pending.pop()!;
    if (typeof node === 'string') {
      if (UNSTORABLE.test(node)) return path;
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) {
        const childPath = path ? `${path}.${key}` : key;
        if (UNSTORABLE.test(key)) return childPath;
        pending.push([child, childPath]);
      }
    }
  }
  return undefined;
}
