import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOG } from '../../apps/contracts-api/src/http/error-catalog';

/** docs/errors.md lists every code a client can meet, with its status: held to the catalog the API answers from. */
describe('docs/errors.md', () => {
  const rows = readFileSync(join(__dirname, '../../docs/errors.md'), 'utf8')
    .split('\n')
    .flatMap((line) => {
      const row = /^\| `([A-Z_]+)` \| (\d{3}) \|/.exec(line);
      return row ? [[row[1]!, Number(row[2])] as const] : [];
    });

  it('lists each code of the error catalog once, with the status the API answers it with', () => {
    const documented = new Map(rows);
    expect(documented.size).toBe(rows.length);
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(Object.entries(ERROR_CATALOG).map(([code, entry]) => [code, entry.status])));
  });
});
