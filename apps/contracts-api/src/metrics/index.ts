import type { Provider } from '@nestjs/common';
import { SMS_COUNTS, type SmsCountsSource } from '../dashboard/sms-counts';
import { AppendWatch } from '@app/event-store';
import { HttpMetrics } from './http-metrics';
import { ApiMetrics, DEADLINE_BACKLOG, PROJECTION_STATUS, SMS_BACKLOG, type BacklogSource, type ProjectionStatusSource } from './metrics';

export { ApiMetrics, DEADLINE_BACKLOG, PROJECTION_STATUS, SMS_BACKLOG, type ProjectionStatusSource } from './metrics';
export { MetricsController } from './metrics.controller';

/** The registry (with projection, SMS, deadline and append-wait gauges when their sources are provided) and the HTTP hooks. */
export const metricsProviders: Provider[] = [
  {
    provide: ApiMetrics,
    inject: [
      { token: PROJECTION_STATUS, optional: true },
      { token: SMS_COUNTS, optional: true },
      { token: SMS_BACKLOG, optional: true },
      { token: DEADLINE_BACKLOG, optional: true },
      { token: AppendWatch, optional: true },
    ],
    useFactory: (projections?: ProjectionStatusSource, smsCounts?: SmsCountsSource, smsBacklog?: BacklogSource, deadlineBacklog?: BacklogSource, appends?: AppendWatch) =>
      new ApiMetrics({ projections, smsCounts, smsBacklog, deadlineBacklog, appends }),
  },
  HttpMetrics,
];
