import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { randomBytes } from 'node:crypto';
import { Public } from '../auth';
import type { AppConfig } from '@app/platform';
import { APP_CONFIG } from '../runtime';
import { renderDashboardPage } from './dashboard-page';

/**
 * The ops dashboard page. Public like any static page: it holds no data itself and asks for a
 * token, with which its script calls `GET /v1/dashboard/branches`.
 */
@ApiTags('operations')
@Public()
@Controller('dashboard')
export class DashboardPageController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get()
  @ApiOperation({ summary: 'The live ops dashboard (HTML; asks for an ops or branch-officer token)' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The page', schema: { type: 'string' } })
  page(@Res({ passthrough: true }) reply: FastifyReply): string {
    // A fresh nonce per response: only this page's own inline script and style may run.
    const nonce = randomBytes(16).toString('base64');
    reply.header('Content-Type', 'text/html; charset=utf-8');
    reply.header(
      'Content-Security-Policy',
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    reply.header('Cache-Control', 'no-store');
    // How to mint a development token helps on a developer's machine, and only there.
    return renderDashboardPage(nonce, { tokenHint: !this.config.production });
  }
}
