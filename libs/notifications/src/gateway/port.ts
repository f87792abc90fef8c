/** What goes to the SMS gateway (API.md: `POST SMS_GATEWAY_URL { messageId, to, text }`). */
export interface SmsMessage {
  /** The same on every retry, so the gateway can drop a duplicate. */
  messageId: string;
  to: string;
  text: string;
}

/**
 * The gateway's answer: `sent` (2xx), `retry` (5xx, timeout, connection trouble — the message may
 * or may not have arrived) or `rejected` (4xx: it will never be accepted). Reasons are for people
 * reading the outbox and must not carry the recipient's number (see `redactMobiles`).
 */
export type SendOutcome = { kind: 'sent' } | { kind: 'retry'; reason: string } | { kind: 'rejected'; reason: string };

export interface SmsGateway {
  send(message: SmsMessage): Promise<SendOutcome>;
}

// 09xxxxxxxxx, 9xxxxxxxxx, +989…, 00989…, with ASCII or Persian digits.
const MOBILE = /(?:\+|00)?(?:98|۹۸)?[0۰]?[9۹][0-9۰-۹]{9}(?![0-9۰-۹])/g;

/** Masks anything that looks like an Iranian mobile number, keeping its last four digits. */
export function redactMobiles(text: string): string {
  return text.replace(MOBILE, (found) => maskMobile(found));
}

/**
 * A gateway's refusal is kept as `HTTP <status>: <start of its body>` (http-gateway.ts), maybe after
 * `gave up after N attempts: `, and a body may echo the message's text: where text must not go (the
 * log, ops), the status alone.
 */
export function withoutGatewayBody(reason: string): string {
  return reason.replace(/(HTTP \d{3}):.*$/s, '$1');
}

/** `09121234567` → `*******4567`. */
export function maskMobile(mobile: string): string {
  return mobile.length <= 4 ? '*'.repeat(mobile.length) : `${'*'.repeat(mobile.length - 4)}${mobile.slice(-4)}`;
}
