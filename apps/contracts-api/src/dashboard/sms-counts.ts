/**
 * The seam to the SMS outbox's counts (libs/notifications' `notificationCounts`), for the
 * dashboard's "SMS failures" and the `sms_messages` metric. Without a provider the dashboard shows
 * null (unknown) rather than a made-up zero.
 */
export const SMS_COUNTS = Symbol('SMS_COUNTS');

export interface SmsCounts {
  /** By delivery status: pending, sent, failed, cancelled. */
  total: Record<string, number>;
  byBranch: { branchId: string; provinceCode: string; counts: Record<string, number> }[];
}

export type SmsCountsSource = () => Promise<SmsCounts>;
