import { dashboardProjection, auditChainProjection } from '../../../libs/projections/src';
import type { PostgresEventStore } from '@app/event-store';
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
      // Not headPosition(): the visible head can briefly lag what was appended.
      const head = await (t.runtime.eventStore as PostgresEventStore).appendedHeadPosition();
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
