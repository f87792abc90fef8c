import { auditChainProjection, dashboardProjection, startProjector, type Projector } from '../../../libs/projections/src';
import { waitFor } from '../../../libs/projections/src/testing/wait';
import { startTestApp, type TestApp } from '../../e2e/support/test-app';

export interface OpsApp extends TestApp {
  projector: Projector;
  /** Resolves once the dashboard and audit chain include every event appended so far. */
  caughtUp(): Promise<void>;
}

/**
 * The real app (startTestApp) with the dashboard and audit-chain projections running beside it,
 * whether or not the runtime runs them too (the lease makes one of the two a standby).
 */
export async function startOpsApp(): Promise<OpsApp> {
  const t = await startTestApp();
  const { pool, eventStore, clock } = t.runtime;
  const projector = await startProjector({ pool, eventStore, clock, log: () => undefined, projections: [dashboardProjection, auditChainProjection], deadlines: false, standbyPollMs: 100 });
  return {
    ...t,
    projector,
    async caughtUp() {
      const head = await eventStore.headPosition();
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
    async close() {
      await projector.stop();
      await t.close();
    },
  };
}
