import { closedPort } from '../../../../test/support/ports';
import { HttpSmsGateway } from './http-gateway';

describe('HTTP SMS gateway', () => {
  it("given a URL fetch refuses, when sending, then the reason to retry never quotes the URL: it may hold a key", async () => {
    // fetch refuses a URL with credentials on every send, quoting it whole (an ops drill found the
    // password and API key in 156 log lines, the outbox and ops' view).
    const gateway = new HttpSmsGateway({ url: 'http://gwuser:GWPASS123@localhost:3922/send?api_key=APIKEY999', timeoutMs: 1_000 });
    const outcome = await gateway.send({ messageId: 'm-1', to: '09121234567', text: 'سلام' });
    expect(outcome).toEqual({ kind: 'retry', reason: expect.stringMatching(/^connection failed: .*<SMS_GATEWAY_URL>/) });
    expect(JSON.stringify(outcome)).not.toMatch(/GWPASS123|APIKEY999/);
  });

  it('given a gateway nobody listens on, when sending, then the reason is the socket error code alone', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/send?api_key=APIKEY999`;
    const outcome = await new HttpSmsGateway({ url, timeoutMs: 1_000 }).send({ messageId: 'm-2', to: '09121234567', text: 'سلام' });
    expect(outcome).toEqual({ kind: 'retry', reason: 'connection failed: ECONNREFUSED' });
  });
});
