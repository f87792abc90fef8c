import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { AppendWatch, EVENT_STORE } from '@app/event-store';
import { CLOCK } from '@app/platform';
import { REGISTRY } from '@app/registry';
import { authProviders } from './auth';
import { Applicants } from './contracts/applicants';
import { ChangeContractHandler } from './contracts/change-contract.handler';
import { ChangeWageController } from './contracts/change-wage/change-wage.controller';
import { CommandResponder } from './contracts/command-response';
import { ConfirmPaymentController } from './contracts/confirm-payment/confirm-payment.controller';
import { ContractStreams } from '@app/contracts-app';
import { ExamController } from './contracts/exam/exam.controller';
import { OpenContractController } from './contracts/open-contract/open-contract.controller';
import { OpenContractHandler } from './contracts/open-contract/open-contract.handler';
import { QuoteController } from './contracts/quote/quote.controller';
import { ContractQueriesController } from './contracts/read/contract-queries.controller';
import { TermsController } from './contracts/read/terms.controller';
import { Reservations } from './contracts/reservations';
import { TestClockController } from './clock/test-clock.controller';
import { HealthController } from './health/health.controller';
import { NotificationsController } from './notifications/notifications.controller';
import { EligibilityController } from './projections/eligibility.controller';
import { SlipsController } from './projections/slips.controller';
import { AuditController } from './audit/audit.controller';
import { DashboardController } from './dashboard/dashboard.controller';
import { DashboardPageController } from './dashboard/dashboard-page.controller';
import { DEADLINE_BACKLOG, MetricsController, PROJECTION_STATUS, SMS_BACKLOG, metricsProviders, type ProjectionStatusSource } from './metrics';
import { SMS_COUNTS } from './dashboard/sms-counts';
import { dueBacklog, notificationCounts } from '@app/notifications';
import { ProjectionRunner, SharedReader, dueDeadlines } from '@app/projections';
import { readSideProjections } from '../../projector/src/read-side';
import { CONTRACT_NUMBERS, PostgresContractNumberAllocator } from './infrastructure/contract-numbers';
import { IDEMPOTENCY, PostgresIdempotencyStore } from './infrastructure/idempotency';
import { APP_CONFIG, PG_POOL, PROJECTOR, type Runtime } from './runtime';

@Module({})
export class AppModule {
  /** The whole HTTP app over a runtime (database, event store, clock, registry) built outside. */
  static forRuntime(runtime: Runtime, env: NodeJS.ProcessEnv = process.env): DynamicModule {
    const { appends } = runtime;
    const eventStore = appends.watch(runtime.eventStore);
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot(), TerminusModule],
      controllers: [
        QuoteController,
        OpenContractController,
        ChangeWageController,
        ConfirmPaymentController,
        ExamController,
        ContractQueriesController,
        TermsController,
        HealthController,
        SlipsController,
        EligibilityController,
        NotificationsController,
        DashboardController,
        DashboardPageController,
        AuditController,
        MetricsController,
        ...(runtime.config.clock.mode === 'manual' ? [TestClockController] : []),
      ],
      providers: [
        ...authProviders(env),
        { provide: APP_CONFIG, useValue: runtime.config },
        { provide: PG_POOL, useValue: runtime.pool },
        { provide: EVENT_STORE, useValue: eventStore },
        { provide: AppendWatch, useValue: appends },
        { provide: CLOCK, useValue: runtime.clock },
        { provide: REGISTRY, useValue: runtime.registry },
        { provide: PROJECTOR, useValue: runtime.projector ?? null },
        { provide: ContractStreams, useFactory: () => new ContractStreams(eventStore, runtime.clock, runtime.snapshots) },
        { provide: Reservations, useFactory: () => new Reservations(eventStore) },
        { provide: CONTRACT_NUMBERS, useFactory: () => new PostgresContractNumberAllocator(runtime.pool) },
        { provide: IDEMPOTENCY, useFactory: () => new PostgresIdempotencyStore(runtime.pool) },
        Applicants,
        CommandResponder,
        OpenContractHandler,
        ChangeContractHandler,
        { provide: PROJECTION_STATUS, useValue: projectionStatus(runtime) },
        { provide: SMS_COUNTS, useValue: () => notificationCounts(runtime.pool) },
        {
          provide: SMS_BACKLOG,
          useValue: async () => {
            const now = runtime.clock.now();
            return { ...(await dueBacklog(runtime.pool, now)), now };
          },
        },
        {
          provide: DEADLINE_BACKLOG,
          useValue: async () => {
            const now = runtime.clock.now();
            return { ...(await dueDeadlines(runtime.pool, now)), now };
          },
        },
        ...metricsProviders,
      ],
    };
  }
}

/**
 * Each projection's progress for /metrics: from the projector in this process, or else (PROJECTOR=off,
 * the compose layout) read from the checkpoints and the store's head, so the API's /metrics shows the
 * lag in either layout (a projector apart serves its own health and metrics too).
 */
function projectionStatus(runtime: Runtime): ProjectionStatusSource {
  if (runtime.projector) return () => runtime.projector!.status();
  const reader = new SharedReader(runtime.eventStore);
  const observers = readSideProjections(runtime.config).map((projection) =>
    ProjectionRunner.observer({ pool: runtime.pool, eventStore: runtime.eventStore, projection, reader, log: () => undefined }),
  );
  return () => Promise.all(observers.map((observer) => observer.status()));
}
