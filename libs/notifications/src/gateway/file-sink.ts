import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock } from '@app/platform';
import type { SendOutcome, SmsGateway, SmsMessage } from './port';

/**
 * The gateway when SMS_GATEWAY_URL is unset or a `file:` URL: one JSON line per message appended
 * to a file (`DATA_DIR/sms.ndjson` by default), so a newcomer sees what would have been sent. The
 * file holds mobiles and texts, so only its owner may read it. Like a real
 * gateway it may see a message twice after a crash mid-send; readers key lines by `messageId`.
 */
export class FileSmsSink implements SmsGateway {
  private ready: Promise<unknown> | undefined;

  private folder(): Promise<unknown> {
    return (this.ready ??= mkdir(dirname(this.path), { recursive: true }));
  }

  constructor(
    readonly path: string,
    private readonly clock: Clock,
  ) {}

  /** Creates the file (and its folder) if need be, or fails as a send would: checked at start. */
  async open(): Promise<void> {
    await this.folder();
    await appendFile(this.path, '', { mode: 0o600 });
  }

  async send(message: SmsMessage): Promise<SendOutcome> {
    await this.folder();
    const line = { messageId: message.messageId, to: message.to, text: message.text, at: this.clock.now().toISOString() };
    await appendFile(this.path, `${JSON.stringify(line)}\n`, { encoding: 'utf8', mode: 0o600 });
    return { kind: 'sent' };
  }
}
