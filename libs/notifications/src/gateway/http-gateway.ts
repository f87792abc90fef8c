import { errorMessage } from '@app/projections';
import { redactMobiles, type SendOutcome, type SmsGateway, type SmsMessage } from './port';

export interface HttpGatewayOptions {
  url: string;
  /** A call taking longer is abandoned and retried later (default 10 s). */
  timeoutMs?: number;
}

/** How much of a gateway's error body is kept as the reason. */
const REASON_BODY_CHARS = 200;

/**
 * The gateway protocol of API.md over HTTP: 2xx accepted; 4xx failed for good, with the status
 * and the start of the body as the reason; 5xx, a timeout or a broken connection: retry later.
 */
export class HttpSmsGateway implements SmsGateway {
  constructor(private readonly options: HttpGatewayOptions) {}

  async send(message: SmsMessage): Promise<SendOutcome> {
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'TimeoutError') return { kind: 'retry', reason: `timeout after ${timeoutMs} ms` };
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      // fetch's own refusals quote the URL, which may hold a key: never kept or logged.
      const why = cause ?? errorMessage(error).replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<SMS_GATEWAY_URL>');
      return { kind: 'retry', reason: redactMobiles(`connection failed: ${why}`) };
    }
    if (response.ok) {
      await response.body?.cancel();
      return { kind: 'sent' };
    }
    const body = await response.text().catch(() => '');
    const reason = redactMobiles(`HTTP ${response.status}${body ? `: ${body.slice(0, REASON_BODY_CHARS)}` : ''}`);
    return response.status >= 400 && response.status < 500 ? { kind: 'rejected', reason } : { kind: 'retry', reason };
  }
}
