import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '@app/platform';
import { ProblemException } from '../http/problem';
import type { Role } from './actor';
import { PUBLIC_KEY, ROLES_KEY, setActor } from './decorators';
import { InvalidTokenError, TokenVerifier, type TokenExpectations } from './jwt';
import { AUTH_CLOCK, JWT_SECRET, TOKEN_EXPECTATIONS } from './secret';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const BEARER_SCHEME = /^Bearer(\s|$)/i;

/**
 * Global guard: every route needs a valid bearer token unless marked `@Public()`; `@Roles(...)`
 * narrows who may call it. Ownership (own contract, own branch) is the handlers' business: it
 * needs the resource.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly tokens: TokenVerifier;

  constructor(
    private readonly reflector: Reflector,
    @Inject(JWT_SECRET) secret: string,
    @Inject(TOKEN_EXPECTATIONS) expected: TokenExpectations,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
  ) {
    this.tokens = new TokenVerifier(secret, expected);
  }

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const authorization = request.headers.authorization ?? '';
    const token = BEARER.exec(authorization)?.[1];
    // RFC 6750 §3.1 invalid_request: two headers (Node keeps the first, so which one authenticated
    // would depend on the order a proxy wrote them in), or Bearer credentials that are not one
    // token (`Bearer`, `Bearer a b`). No token at all, or another scheme, is a bare challenge.
    if (credentialsSent(request.raw.rawHeaders) > 1 || (!token && BEARER_SCHEME.test(authorization))) {
      context.switchToHttp().getResponse<FastifyReply>().header('WWW-Authenticate', 'Bearer error="invalid_request"');
      throw new ProblemException('UNAUTHENTICATED');
    }
    if (!token) throw new ProblemException('UNAUTHENTICATED');
    let actor;
    try {
      actor = this.tokens.verify(token, this.clock.now());
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        // RFC 6750 3.1: a token was sent and refused (bad, expired…), not merely missing.
        context.switchToHttp().getResponse<FastifyReply>().header('WWW-Authenticate', 'Bearer error="invalid_token"');
        throw new ProblemException('UNAUTHENTICATED');
      }
      throw error;
    }
    setActor(request.raw, actor);

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(actor.role)) throw new ProblemException('FORBIDDEN');
    return true;
  }
}

/** How many Authorization headers the request carries (raw headers alternate name, value). */
function credentialsSent(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === 'authorization') count++;
  return count;
}
