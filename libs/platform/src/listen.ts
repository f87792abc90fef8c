import { ConfigError } from './config';

/** `host:port` as a URL writes it: an IPv6 address in brackets (`[::1]:3000`, not `::1:3000`). */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Why a listen fails that the operator fixes, not the code: an address this machine lacks, a port taken or not ours. */
const OPERATOR_LISTEN_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL', 'EADDRINUSE', 'EACCES', 'EAFNOSUPPORT']);

/** A failed listen on HOST/PORT as a `ConfigError` when the operator's to fix (a one-line message, no stack); anything else as it was. */
export function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined || !OPERATOR_LISTEN_CODES.has(code)) return error;
  return new ConfigError(`cannot listen on ${hostPort(host, port)} (HOST, PORT): ${(error as Error).message}`);
}
