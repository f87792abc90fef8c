/**
 * A real SMS gateway on 127.0.0.1 for specs, speaking API.md's protocol. For each request it asks
 * `answer(messageId, attempt)` (attempt counts from 1 per messageId) what to do: a status code to
 * answer with, or 'hang' to hold the request without answering (a timeout, or a spec's moment to
 * kill the sender). It records every request and what it answered.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { SmsMessage } from '../gateway/port';

export type Answer = number | 'hang';

export interface SeenRequest extends SmsMessage {
  attempt: number;
  answered: Answer;
}

export class GatewayServer {
  readonly requests: SeenRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly held: ServerResponse[] = [];

  private constructor(
    private readonly server: Server,
    private answer: (messageId: string, attempt: number) => Answer,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('request', (request, response) => void this.serve(request, response));
  }

  static async start(answer: (messageId: string, attempt: number) => Answer = () => 200): Promise<GatewayServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new GatewayServer(server, answer);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/sms`;
  }

  /** Changes the behaviour from now on (e.g. stop hanging once the sender is killed). */
  answerWith(answer: (messageId: string, attempt: number) => Answer): void {
    this.answer = answer;
  }

  /** How many times a message was accepted (answered 2xx): the "sent exactly once" the specs check. */
  accepted(messageId: string): number {
    return this.requests.filter((r) => r.messageId === messageId && typeof r.answered === 'number' && r.answered < 300).length;
  }

  attempts(messageId: string): SeenRequest[] {
    return this.requests.filter((r) => r.messageId === messageId);
  }

  async close(): Promise<void> {
    for (const response of this.held.splice(0)) response.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    const message = JSON.parse(body) as SmsMessage;
    const attempt = this.attempts(message.messageId).length + 1;
    const answered = this.answer(message.messageId, attempt);
    this.requests.push({ messageId: message.messageId, to: message.to, text: message.text, attempt, answered });
    if (answered === 'hang') {
      this.held.push(response);
      return;
    }
    const reply = answered >= 400 && answered < 500 ? { error: `invalid recipient ${message.to}` } : { ok: answered < 300 };
    response.writeHead(answered, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
  }
}
