import fc from 'fast-check';
import { request } from 'node:http';
import { connect } from 'node:net';
import { signToken } from '../../apps/contracts-api/src/auth';
import { BODY_LIMIT_BYTES } from '../../apps/contracts-api/src/create-app';
import { call, tokenFor } from './support/http';
import { LoadGenerator } from './support/load';
import { recordFigures } from './support/report';
import { startRig, type Rig } from './support/rig';
import { sleep } from './support/service';

const RUNS = Number(process.env.FAULTS_FUZZ_RUNS ?? 600);
const BODY_LIMIT = BODY_LIMIT_BYTES;
const ANSWER_BOUND_MS = 10_000;
/** The service's REQUEST_TIMEOUT_MS here: longer than a dribbled upload (about 3 s), shorter than a wait on a stall. */
const REQUEST_TIMEOUT_MS = 6_000;

/** Every route the service mounts (ids filled in per request). */
const ROUTES: ReadonlyArray<readonly [string, string]> = [
  ['GET', '/health/live'],
  ['GET', '/health/ready'],
  ['GET', '/metrics'],
  ['GET', '/v1/terms'],
  ['POST', '/v1/quotes'],
  ['POST', '/v1/contracts'],
  ['POST', '/v1/branch/contracts'],
  ['GET', '/v1/contracts'],
  ['GET', '/v1/contracts/:id'],
  ['GET', '/v1/contracts/:id/events'],
  ['GET', '/v1/contracts/:id/state'],
  ['GET', '/v1/contracts/:id/document'],
  ['GET', '/v1/contracts/:id/slips'],
  ['PUT', '/v1/contracts/:id/wage'],
  ['POST', '/v1/contracts/:id/exam/referral'],
  ['POST', '/v1/contracts/:id/exam/result'],
  ['POST', '/v1/contracts/:id/exam/determination'],
  ['POST', '/v1/payments'],
  ['GET', '/v1/eligibility/:code'],
  ['GET', '/v1/notifications'],
  ['GET', '/v1/dashboard/branches'],
  ['GET', '/dashboard'],
  ['GET', '/v1/audit/events'],
  ['GET', '/v1/audit/head'],
  ['GET', '/v1/_test/clock'],
  ['GET', '/docs-json'],
];
const WRITE_ROUTES = ROUTES.filter(([method]) => method !== 'GET');

interface Raw {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** Strings that have broken parsers and validators elsewhere. */
const EDGE_STRINGS = [
  '', ' ', '\u0000', '\uD800', '\uDFFF\uD800', '\u202E۱۲۳۴۵۶۷۸۹۰', '٠١٢٣٤٥٦٧٨٩', '\u200D\u200C\uFEFF', 'e\u0301\u0301\u0301',
  '𝕏🏳️‍🌈', 'ی ك ي ک', '%00', '../../etc/passwd', '{"__proto__":{"x":1}}', 'null', '1e309', '-0', 'x'.repeat(5_000),
];

describe('bad input at volume', () => {
  let rig: Rig;
  let contractIds: string[];

  beforeAll(async () => {
    rig = await startRig('fuzz', 300, { REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
    // A few real contracts, so ids in paths also hit existing streams.
    const load = new LoadGenerator({ baseUrl: rig.service.baseUrl, people: rig.people.slice(0, 6), concurrency: 3, refuseEvery: 2 });
    load.start();
    while (load.peopleUsed < 6) await sleep(100);
    await load.stop();
    contractIds = load.acked.filter((r) => r.kind === 'open').map((r) => r.contractId);
  });

  afterAll(async () => {
    await rig?.close();
  });

  const eventCount = async () => (await rig.pool.query<{ count: number }>('SELECT count(*)::int AS count FROM events')).rows[0]!.count;

  it(`${RUNS} random requests over every route: never a 5xx, always an answer, never a write`, async () => {
    const before = await eventCount();
    const answers: Record<string, number> = {};
    const slowest = { ms: 0, what: '' };
    await fc.assert(
      fc.asyncProperty(rawRequest(contractIds, rig.people), async (raw) => {
        const answer = await send(rig.service.baseUrl, raw);
        answers[answer.status] = (answers[answer.status] ?? 0) + 1;
        if (answer.ms > slowest.ms) Object.assign(slowest, { ms: Math.round(answer.ms), what: `${raw.method} ${raw.path.slice(0, 80)}` });
        if (answer.status >= 500) throw new Error(`${answer.status} for ${raw.method} ${raw.path}: ${answer.body.slice(0, 300)}`);
        if (answer.status >= 400 && raw.method !== 'HEAD') expect(answer.contentType).toMatch(/^application\/problem\+json/);
      }),
      { numRuns: RUNS, seed: process.env.FAULTS_SEED ? Number(process.env.FAULTS_SEED) : undefined },
    );
    const after = await eventCount();
    await recordFigures('bad-input', { runs: RUNS, answersByStatus: answers, slowest, eventsBefore: before, eventsAfter: after });
    expect(slowest.ms).toBeLessThan(ANSWER_BOUND_MS);
    expect(after).toBe(before);
  });

  it('a body over the limit is a 413 problem on every write route, with or without Content-Length', async () => {
    const before = await eventCount();
    const token = tokenFor({ sub: 'fuzz-applicant', role: 'applicant', nationalCode: rig.people[100]! });
    for (const [method, template] of WRITE_ROUTES) {
      const path = template.replace(':id', contractIds[0]!);
      for (const size of [BODY_LIMIT + 1, 2 * 2 ** 20]) {
        for (const chunked of [false, true]) {
          const answer = await oversized(rig.service.port, method, path, token, size, chunked);
          expect({ route: `${method} ${template}`, size, chunked, status: answer.status, problem: /problem\+json/i.test(answer.head) }).toEqual({
            route: `${method} ${template}`,
            size,
            chunked,
            status: 413,
            problem: true,
          });
        }
      }
    }
    expect(await eventCount()).toBe(before);
  });

  it('slow bodies are served, stalled ones answered 408 problem+json: no 5xx, no write, others served meanwhile', async () => {
    const before = await eventCount();
    const token = tokenFor({ sub: 'fuzz-bank', role: 'bank', bankId: 'mellat' });
    const body = JSON.stringify({ contractId: contractIds[0], periods: 1, amount: 1, bankReference: 'SLOW-1', paidAt: '2026-12-01T07:00:00Z' });
    const head = `POST /v1/payments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const port = rig.service.port;
    // 10 clients dribble the body a few bytes every 100 ms (about 3 s); 10 others send half and stall
    // until the service closes the connection (at the latest 4 timeouts later, or the test fails).
    const dribbling = Array.from({ length: 10 }, () => rawExchange(port, head, body, { chunk: Math.ceil(body.length / 30), everyMs: 100 }));
    const stalled = Array.from({ length: 10 }, () =>
      rawExchange(port, head, body.slice(0, body.length / 2), { chunk: 8, everyMs: 50, holdMs: 4 * REQUEST_TIMEOUT_MS }),
    );
    const meanwhile: number[] = [];
    for (let i = 0; i < 10; i++) {
      meanwhile.push((await call(rig.service.baseUrl, 'GET', '/v1/terms', { token: tokenFor({ sub: 'fuzz-reader', role: 'applicant', nationalCode: rig.people[101]! }) })).ms);
      await sleep(200);
    }
    const slow = await Promise.all(dribbling);
    const cut = await Promise.all(stalled);
    await recordFigures('slow-bodies', { dribbled: slow.map((s) => s.status), stalled: cut.map((s) => s.status), othersMaxMs: Math.round(Math.max(...meanwhile)) });
    // The dribbled payment is complete but wrong (amount 1): a 4xx like any other, after the slow upload.
    for (const answer of slow) expect(answer.status).toBeGreaterThanOrEqual(400);
    for (const answer of slow) expect(answer.status).toBeLessThan(500);
    for (const answer of slow) expect(answer.status).not.toBe(408);
    // The stalled ones get the request timeout's answer, not the client's own hang-up.
    for (const answer of cut) expect(answer).toEqual({ status: 408, problem: true });
    expect(Math.max(...meanwhile)).toBeLessThan(2_000);
    expect(await eventCount()).toBe(before);
  });
});

/** Random requests: any route or method, any token, headers and body, biased towards near-valid ones. */
function rawRequest(contractIds: string[], people: string[]): fc.Arbitrary<Raw> {
  const edge = fc.constantFrom(...EDGE_STRINGS);
  const text = fc.oneof(edge, fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }));
  const id = fc.oneof(fc.constantFrom(...contractIds), fc.uuid(), text.map(percentEncoded), fc.constantFrom(...people.slice(0, 20)));
  const path = fc
    .tuple(fc.constantFrom(...ROUTES.map(([, p]) => p)), id, fc.option(fc.dictionary(text, text, { maxKeys: 3 })))
    .map(([template, value, query]) => `${template.replace(/:id|:code/, value)}${query ? `?${new URLSearchParams(query)}` : ''}`);
  const method = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('GET', 'POST', 'PUT') }, fc.constantFrom('PATCH', 'DELETE', 'OPTIONS', 'HEAD'));
  const role = fc.constantFrom('applicant', 'branch_officer', 'bank', 'examiner', 'auditor', 'ops');
  const token = fc.oneof(
    { weight: 6, arbitrary: fc.record({ role, nationalCode: fc.constantFrom(...people.slice(0, 20)), branchId: fc.constantFrom('0101', '1001', 'x'), bankId: fc.constantFrom('mellat', 'melli') }).map(
      ({ role: r, ...claims }) => tokenFor({ sub: `fuzz-${r}`, role: r, ...claims }),
    ) },
    fc.constant(signToken({ sub: 'forged', role: 'ops', exp: 4_000_000_000 }, 'some-other-secret-that-is-long-enough')),
    fc.constant(signToken({ sub: 'expired', role: 'ops', exp: 1 }, 'fault-tests-secret-long-enough-for-hs256-signing')),
    text,
  );
  const nearValid = fc.record(
    {
      requestedMonthlyPremium: fc.oneof(fc.integer(), fc.double(), fc.constant(30_000_000), text),
      acceptTerms: fc.oneof(fc.record({ version: fc.oneof(fc.constant('1403.1'), text) }), text),
      confirm: fc.dictionary(fc.constantFrom('premiumRate', 'wageBasis', 'startDate'), fc.oneof(fc.integer(), text)),
      contractId: fc.oneof(fc.constantFrom(...contractIds), text),
      periods: fc.oneof(fc.integer({ min: -2, max: 14 }), text),
      amount: fc.oneof(fc.integer(), fc.constant(Number.MAX_SAFE_INTEGER + 2), text),
      bankReference: text,
      paidAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), text),
      result: fc.oneof(fc.constantFrom('passed', 'failed'), text),
      nationalCode: fc.oneof(fc.constantFrom(...people.slice(0, 5)), text),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    nearValid.map((value) => JSON.stringify(value)),
    fc.json({ depthSize: 'medium' }),
    fc.anything().map((value) => JSON.stringify(value) ?? 'null'),
    text,
    fc.integer({ min: 1, max: 3_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
    fc.constant('{"a":'),
  );
  const headers = fc.record(
    {
      authorization: token.map((t) => `Bearer ${t}`),
      'content-type': fc.oneof(
        { arbitrary: fc.constant('application/json'), weight: 6 },
        fc.constantFrom('application/json; charset=utf-16', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded'),
        text,
      ),
      'idempotency-key': text,
      'if-match': fc.oneof(fc.constantFrom('"0"', 'W/"1"', '*', '"99999999999"'), text),
      accept: fc.oneof(fc.constantFrom('application/json', 'text/html', 'application/xml'), text),
      'accept-language': text,
    },
    { requiredKeys: [] },
  );
  return fc.record({ method, path, headers, body: fc.option(body.map((b) => Buffer.from(b, 'utf8'))) }).map(({ body: b, ...rest }) => ({ ...rest, ...(b ? { body: b } : {}) }));
}

/** Every UTF-8 byte as %XX (lone surrogates become U+FFFD, where encodeURIComponent would throw). */
function percentEncoded(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}

/** Raw HTTP with node:http (header values go out as their UTF-8 bytes, without the control characters HTTP forbids). */
function send(baseUrl: string, raw: Raw, chunked = false): Promise<{ status: number; contentType: string; body: string; ms: number }> {
  const started = performance.now();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw.headers)) headers[name] = Buffer.from(value.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ''), 'utf8').toString('latin1');
  if (raw.body && !chunked) headers['content-length'] = String(raw.body.length);
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${raw.path}`, { method: raw.method, headers, timeout: ANSWER_BOUND_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${ANSWER_BOUND_MS} ms: ${raw.method} ${raw.path}`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') return reject(error);
      // The server may answer (a 413) and close while a big body is still being written: wait for
      // that answer a moment; a connection closed without any answer is status 0.
      setTimeout(() => resolve({ status: 0, contentType: '', body: error.code!, ms: performance.now() - started }), 1_000);
    });
    if (raw.body) {
      if (chunked) for (let at = 0; at < raw.body.length; at += 16_384) req.write(raw.body.subarray(at, at + 16_384));
      else req.write(raw.body);
    }
    req.end();
  });
}

/**
 * Declares (Content-Length) or streams (chunked) a body of `size` bytes but writes only what the
 * server needs to refuse it, then reads the answer: a client writing the whole body would often
 * see the connection reset before the 413 (the server closes without reading the rest).
 */
function oversized(port: number, method: string, path: string, token: string, size: number, chunked: boolean): Promise<{ status: number; head: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const finish = () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0), head: received.split('\r\n\r\n')[0] ?? '' });
    socket.setTimeout(ANSWER_BOUND_MS, () => socket.destroy());
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (received.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('close', finish);
    socket.on('error', () => undefined);
    const framing = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${size}`;
    socket.write(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`);
    const piece = Buffer.from(`{"padding":"${'ی'.repeat(8_000)}`);
    // Chunked: past the limit, since no length was declared; declared: a first piece only.
    const pieces = chunked ? Math.ceil((BODY_LIMIT + 1) / piece.length) + 1 : 1;
    for (let i = 0; i < pieces; i++) socket.write(chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
  });
}

/** Writes the request over a socket a chunk at a time; resolves with the status line's code (0 when none came) and whether it is a problem. */
function rawExchange(
  port: number,
  head: string,
  body: string,
  pace: { chunk: number; everyMs: number; holdMs?: number },
): Promise<{ status: number; problem: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let hold: NodeJS.Timeout | undefined;
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('close', () => {
      clearTimeout(hold);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0), problem: /^content-type: application\/problem\+json/im.test(received) });
    });
    socket.on('error', () => undefined);
    socket.write(head);
    let at = 0;
    const timer = setInterval(() => {
      if (at >= body.length) {
        clearInterval(timer);
        if (pace.holdMs) hold = setTimeout(() => socket.destroy(), pace.holdMs);
        return;
      }
      socket.write(body.slice(at, at + pace.chunk));
      at += pace.chunk;
    }, pace.everyMs);
  });
}
