/**
 * JSON with object keys sorted (recursively) and no whitespace, so the same event always gives
 * the same bytes however its JSONB was stored or its keys were ordered when read back. The audit
 * chain hashes it (a fixed format: changing its bytes breaks every stored hash) and so does the
 * idempotency record's request hash.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'; // a missing body
  // Built by appending rather than with entries/map/join: it runs over every event's document.
  if (Array.isArray(value)) {
    let json = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      json += `${i > 0 ? ',' : ''}${item === undefined ? 'null' : canonicalJson(item)}`;
    }
    return `${json}]`;
  }
  const record = value as Record<string, unknown>;
  // Default sort order is by UTF-16 code units, as `<` compares strings.
  let json = '';
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item !== undefined) json += `,${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `{${json.slice(1)}}`;
}
