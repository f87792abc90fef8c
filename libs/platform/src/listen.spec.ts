import { createServer, type Server } from 'node:net';
import { ConfigError } from './config';
import { hostPort, listenError } from './listen';

function listen(server: Server, port: number, host: string): Promise<unknown> {
  return new Promise((resolve) => {
    server.once('error', resolve);
    server.listen(port, host, () => resolve(undefined));
  });
}

describe('listening on HOST and PORT', () => {
  it('writes an IPv6 address in brackets, as in a URL', () => {
    expect(hostPort('::1', 3000)).toBe('[::1]:3000');
    expect(hostPort('0.0.0.0', 3000)).toBe('0.0.0.0:3000');
  });

  it('makes a port already taken, or an address this machine lacks, a configuration error naming both', async () => {
    const taken = createServer();
    const other = createServer();
    try {
      await listen(taken, 0, '127.0.0.1');
      const port = (taken.address() as { port: number }).port;
      const inUse = listenError(await listen(other, port, '127.0.0.1'), '127.0.0.1', port);
      expect(inUse).toBeInstanceOf(ConfigError);
      expect((inUse as Error).message).toMatch(new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${port} \\(HOST, PORT\\): .*EADDRINUSE`));
      const unknownHost = listenError(await listen(createServer(), 0, 'no-such-host.invalid'), 'no-such-host.invalid', 0);
      expect(unknownHost).toBeInstanceOf(ConfigError);
    } finally {
      taken.close();
      other.close();
    }
  });

  it('leaves any other failure as it was: a bug shows its stack', () => {
    const bug = new TypeError('not a listen problem');
    expect(listenError(bug, '127.0.0.1', 3000)).toBe(bug);
  });
});
