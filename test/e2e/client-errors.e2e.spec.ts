import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { bearer, expectProblem, openOnline, People, storedEventCount } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

/** One HTTP/1.1 response as it came over the wire. */
interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A raw client: writes `bytes`, never sends the rest, and reads until the server closes the
 * connection (the test's timeout is the only other way out). `after` may write more once the
 * first response is in.
 */
function exchange(port: number, bytes: string, after?: (socket: Socket) => void): Promise<WireResponse[]> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let continued = false;
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (after && !continued && parse(received).length > 0) {
        continued = true;
        after(socket);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(parse(received)));
    socket.write(bytes);
  });
}

/** Splits the bytes into responses (Content-Length framing, which every answer here uses). */
function parse(bytes: Buffer): WireResponse[] {
  const responses: WireResponse[] = [];
  let at = 0;
  while (at < bytes.length) {
    const end = bytes.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const [statusLine, ...lines] = bytes.subarray(at, end).toString('latin1').split('\r\n');
    const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    if (bytes.length < end + 4 + length) break;
    responses.push({ status: Number(statusLine!.split(' ')[1]), headers, body: bytes.subarray(end + 4, end + 4 + length).toString('utf8') });
    at = end + 4 + length;
  }
  return responses;
}

/** The 408 problem, checked the way the other specs check problems. */
function expectTimeoutProblem(response: WireResponse | undefined) {
  if (!response) throw new Error('the server closed the connection without an answer');
  expectProblem({ status: response.status, headers: response.headers, body: JSON.parse(response.body) }, 408, 'REQUEST_TIMEOUT');
  expect(response.headers.connection).toBe('close');
  expect([response.headers['cache-control'], response.headers['x-content-type-options']]).toEqual(['no-store', 'nosniff']);
}

/** A request through Node's own client, which refuses a malformed answer (e.g. a body after a HEAD's headers). */
function nodeRequest(port: number, method: string, headers: Record<string, string>): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: '/v1/terms', headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Requests Node's HTTP server cuts or refuses before a handler sees them, answered as problems. */
describe('e2e: the request timeout (REQUEST_TIMEOUT_MS) and other refusals before a handler', () => {
  let t: TestApp;
  let port: number;
  const people = new People();

  beforeAll(async () => {
    // Short, so a stalled request is cut within the test; production's default is 30 s.
    t = await startTestApp({ REQUEST_TIMEOUT_MS: '300' });
    port = (t.app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a payment whose body stalls half-way is answered 408 problem+json and appends nothing; the same payment sent in full is confirmed', async () => {
    const { contract } = await openOnline(t, people.next().nationalCode);
    const token = t.token({ role: 'bank', bankId: 'mellat' });
    const payment = { contractId: contract.id, periods: 1, amount: contract.monthlyPremium, bankReference: 'STALLED-1', paidAt: t.clock.now().toISOString() };
    const body = JSON.stringify(payment);
    const before = await storedEventCount(t);

    const head = `POST /v1/payments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const responses = await exchange(port, head + body.slice(0, body.length / 2));

    expect(responses).toHaveLength(1);
    expectTimeoutProblem(responses[0]);
    expect(responses[0]!.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/); // support can find it in the log
    expect(await storedEventCount(t)).toBe(before);
    // The body would have been a valid payment: only its stall kept it from being recorded.
    const paid = await t.http().post('/v1/payments').set(bearer(token)).send(payment);
    expect(paid.status).toBe(201);
  });

  it('a chunked body that stops between chunks is answered 408 too', async () => {
    const token = t.token({ role: 'bank', bankId: 'mellat' });
    const head = `POST /v1/payments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const responses = await exchange(port, `${head}5\r\n{"con\r\n`);
    expect(responses).toHaveLength(1);
    expectTimeoutProblem(responses[0]);
  });

  it('headers that never end are answered 408', async () => {
    const responses = await exchange(port, 'GET /v1/terms HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    expect(responses).toHaveLength(1);
    expectTimeoutProblem(responses[0]);
  });

  it('an answer given before the body arrived (415) closes the connection: the request gets no second answer', async () => {
    const token = t.token({ role: 'bank', bankId: 'mellat' });
    const head = `POST /v1/payments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: text/csv\r\nContent-Length: 100\r\n\r\n`;
    const responses = await exchange(port, `${head}a,b`);
    expect(responses.map((r) => r.status)).toEqual([415]);
    expect(responses[0]!.headers.connection).toBe('close');
  });

  it('headers over the size limit → 431 HEADERS_TOO_LARGE, without a body for HEAD', async () => {
    const huge = { 'X-Padding': 'x'.repeat(20_000) };
    const get = await nodeRequest(port, 'GET', huge);
    expectProblem({ status: get.status, headers: get.headers, body: JSON.parse(get.body) }, 431, 'HEADERS_TOO_LARGE');
    const head = await nodeRequest(port, 'HEAD', huge);
    expect(head).toMatchObject({ status: 431, body: '' });
  });

  it('CONNECT (a tunnel) is answered 400 problem+json, as an unknown method is, not dropped unanswered', async () => {
    const responses = await exchange(port, 'CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n');
    expect(responses).toHaveLength(1);
    const [answer] = responses;
    expectProblem({ status: answer!.status, headers: answer!.headers, body: JSON.parse(answer!.body) }, 400, 'BAD_REQUEST');
    expect([answer!.headers.connection, answer!.headers['cache-control'], answer!.headers['x-content-type-options']]).toEqual(['close', 'no-store', 'nosniff']);
  });

  it('an idle keep-alive connection is not cut by it: the next request on it is served', async () => {
    const token = t.token({ role: 'applicant', nationalCode: people.next().nationalCode });
    const get = `GET /v1/terms HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n`;
    // Idle for several timeouts (and Node's checks) between the two requests, then ask again and close.
    const responses = await exchange(port, `${get}\r\n`, (socket) => {
      setTimeout(() => socket.write(`${get}Connection: close\r\n\r\n`), 1_500);
    });
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
  });
});
