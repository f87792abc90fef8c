import type { Projection } from '../projection';

/**
 * Records every event it applies with the applying process's pid, without a unique key: an
 * event applied twice shows up as two rows.
 */
export const probeProjection: Projection = {
  name: 'probe',
  version: 1,
  tables: ['CREATE TABLE applied (position BIGINT NOT NULL, pid INTEGER NOT NULL)'],
  handles: () => true,
  async apply(tx, events) {
    await tx.query('INSERT INTO applied (position, pid) SELECT unnest($1::bigint[]), $2', [events.map((e) => e.position.toString()), process.pid]);
  },
};
