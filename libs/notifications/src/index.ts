export * from './templates';
export { DEFAULT_REMINDERS, REMINDER_TEMPLATES, messagesFor, reminderAt, reminderObsolete, type MessageDraft, type ReminderSettings } from './messages';
export * from './outbox';
export { NOTIFICATIONS_PROJECTION, messageId, notificationsProjection } from './notifications.projection';
export * from './gateway/port';
export { HttpSmsGateway, type HttpGatewayOptions } from './gateway/http-gateway';
export { FileSmsSink } from './gateway/file-sink';
export * from './dispatcher';
export * from './config';
