import { dashboardProjection, auditChainProjection } from '../../../libs/projections/src';
import { waitFor } from '../../../libs/projections/src/testing/wait';
import { startTestApp, type TestApp } from '../../e2e/support/test-app';

export interface OpsApp extends TestApp {
  /** Resolves once the dashboard and audit chain include every event appended so far. */
  caughtUp(): Promise<void>;
}

/** The real app (its runtime runs the dashboard and audit-chain projections) and a way to wait for them. */
export async function startOpsApp(): Promise<OpsApp> {
  const t = await startTestApp();
  const { pool } = t.runtime;
  return {
    ...t,
    async caughtUp() {
      // The stored head, not headPosition(): the visible head can briefly lag what was appended.
      const { rows } = await pool.query<{ head: bigint | null }>('SELECT max(position) AS head FROM events');
      const head = rows[0]!.head ?? 0n;
      await waitFor(async () => {
        const positions = await Promise.all(
          [dashboardProjection, auditChainProjection].map((p) =>
            pool.query<{ position: bigint }>(`SELECT position FROM projection_${p.name}.checkpoint`).then(
              (r) => r.rows[0]!.position,
              () => -1n,
            ),
          ),
        );
        return positions.every((position) => position >= head);
      }, 'dashboard and audit chain to catch up');
    },
  };
}
