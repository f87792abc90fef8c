import type { Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { SystemClock } from '@app/platform';
import { AuthGuard } from './auth.guard';
import { AUTH_CLOCK, JWT_SECRET, TOKEN_EXPECTATIONS, resolveJwtSecret, resolveTokenExpectations } from './secret';

export * from './actor';
export { AuthGuard } from './auth.guard';
export { actorOf, CurrentActor, Public, Roles } from './decorators';
export { InvalidTokenError, signToken, verifyToken, type TokenClaims, type TokenExpectations } from './jwt';
export { AUTH_CLOCK, DEV_JWT_SECRET, InsecureSecretError, JWT_SECRET, TOKEN_EXPECTATIONS, resolveJwtSecret, resolveTokenExpectations } from './secret';

/**
 * For the root module: the secret, resolved once at boot so a production start without a real
 * one fails immediately, the clock token lifetimes are checked against, and the global guard.
 */
export function authProviders(env: NodeJS.ProcessEnv = process.env): Provider[] {
  return [
    { provide: JWT_SECRET, useValue: resolveJwtSecret(env) },
    { provide: TOKEN_EXPECTATIONS, useValue: resolveTokenExpectations(env) },
    { provide: AUTH_CLOCK, useClass: SystemClock },
    { provide: APP_GUARD, useClass: AuthGuard },
  ];
}
