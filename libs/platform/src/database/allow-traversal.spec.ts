import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allowTraversal } from './embedded-postgres';

describe('allowTraversal: the postgres user can reach binaries and data under a 0700 folder', () => {
  it('adds o+x (search, not read) to each folder above the paths that lacks it, and says so', async () => {
    const root = await mkdtemp(join(tmpdir(), 'traverse-'));
    try {
      const locked = join(root, 'locked');
      const data = join(locked, 'inner', 'pg');
      await mkdir(data, { recursive: true, mode: 0o700 });
      const said: string[] = [];
      await allowTraversal([data], (line) => said.push(line));
      for (const folder of [locked, join(locked, 'inner')]) {
        const { mode } = await stat(folder);
        expect(mode & 0o777).toBe(0o701);
      }
      expect(said.some((line) => line.includes(join(locked, 'inner')))).toBe(true);
      said.length = 0;
      await allowTraversal([data], (line) => said.push(line));
      expect(said).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
