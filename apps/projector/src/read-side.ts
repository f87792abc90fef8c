import type { Pool } from 'pg';
import type { EventStore } from '@app/event-store';
import { NOTIFICATIONS_PROJECTION, loadNotificationConfig, migrateOutbox, notificationsProjection, startSmsDispatcher } from '@app/notifications';
import type { AppConfig, Clock } from '@app/platform';
import { PROJECTIONS, startProjector, type Log, type Projection, type Projector } from '@app/projections';

/**
 * Every projection the service runs, in one list (the rebuild CLI uses it too). `businessClock`:
 * where this process owns the business clock, the SMS outbox judges by it which messages come too late.
 */
export function readSideProjections(config: Pick<AppConfig, 'dataDir' | 'smsGatewayUrl'>, businessClock?: Clock): Projection[] {
  const { reminders, maxAgeMs } = loadNotificationConfig(config);
  return [...PROJECTIONS, notificationsProjection({ reminders, maxAgeMs, clock: businessClock })];
}

/**
 * Their names, which no setting changes: the rebuild CLI checks the name it is given against them
 * before it reads the configuration, so a mistyped one is a usage error whatever the environment.
 */
export function readSideProjectionNames(): string[] {
  return [...PROJECTIONS.map((projection) => projection.name), NOTIFICATIONS_PROJECTION];
}

export interface ReadSide {
  projector: Projector;
  stop(): Promise<void>;
}

/**
 * Everything fed by the event store: the projections (billing, eligibility, deadlines,
 * notifications, …), the deadline runner and the SMS dispatcher. The API process runs it by
 * default; apps/projector runs it alone. One list, so both run the same projections.
 */
export async function startReadSide(options: {
  pool: Pool;
  eventStore: EventStore;
  clock: Clock;
  config: AppConfig;
  log: Log;
  /** Fire deadlines and send SMS here (false: another process owns the clock). */
  actOnTime?: boolean;
}): Promise<ReadSide> {
  const { pool, eventStore, clock, config, log } = options;
  const actOnTime = options.actOnTime ?? true;
  await migrateOutbox(pool);
  // First: it refuses a production without SMS_GATEWAY_URL before any projection runs.
  const dispatcher = actOnTime ? await startSmsDispatcher({ pool, eventStore, clock, log, config: loadNotificationConfig(config) }) : undefined;
  let projector: Projector;
  try {
    projector = await startProjector({
      pool,
      eventStore,
      clock,
      log,
      deadlines: actOnTime,
      projections: readSideProjections(config, actOnTime ? clock : undefined),
    });
  } catch (error) {
    await dispatcher?.stop();
    throw error;
  }
  return {
    projector,
    async stop() {
      await dispatcher?.stop();
      await projector.stop();
    },
  };
}
