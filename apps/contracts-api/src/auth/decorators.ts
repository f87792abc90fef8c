import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { ProblemException } from '../http/problem';
import type { Actor, Role } from './actor';

export const PUBLIC_KEY = 'auth:public';
export const ROLES_KEY = 'auth:roles';

/** The route needs no token (health, metrics, docs, the dashboard page). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/**
 * Only these roles may call the route (on a handler it overrides the controller's). A route
 * without `@Roles` accepts any authenticated role, e.g. `GET /v1/terms`. The OpenAPI document
 * names them in the operation's `x-roles`.
 */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => applyDecorators(SetMetadata(ROLES_KEY, roles), ApiExtension('x-roles', roles));

/**
 * Kept on the raw Node request, the one object both Nest (through Fastify) and the request
 * logger see, so the access log can name the actor.
 */
const actors = new WeakMap<IncomingMessage, Actor>();

export function setActor(request: IncomingMessage, actor: Actor): void {
  actors.set(request, actor);
}

export function actorOf(request: IncomingMessage): Actor | undefined {
  return actors.get(request);
}

/** The verified caller. On a `@Public()` route there is none, so asking for it is a 401. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const actor = actorOf(context.switchToHttp().getRequest<FastifyRequest>().raw);
  if (!actor) throw new ProblemException('UNAUTHENTICATED');
  return actor;
});
