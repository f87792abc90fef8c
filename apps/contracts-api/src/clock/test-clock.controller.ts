import { Body, Controller, Get, Inject, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { CLOCK, ManualClock, type Clock } from '@app/platform';
import type { Projector } from '@app/projections';
import { EVENT_STORE, PostgresEventStore, type EventStore } from '@app/event-store';
import type { Pool } from 'pg';
import { PG_POOL, PROJECTOR } from '../runtime';
import { Roles } from '../auth';
import { NoAnswerDeadline } from '../http/answer-deadline';
import { invalidField } from '../http/problem';
import { AUTH_PROBLEMS, ApiProblems, BODY_PROBLEMS } from '../http/openapi';
import { IsSupportedNow } from '../http/validation';
import { storeManualClock } from './stored-clock';

/** Longest a clock move waits for this process's projections to catch up first. */
const CATCH_UP_WAIT_MS = 5_000;

export class SetClockDto {
  @ApiProperty({ description: 'The new instant: ISO-8601 with its offset, or a date (its 00:00 UTC); due deadlines fire at once', example: '2026-12-22T08:00:00Z' })
  @IsSupportedNow()
  now!: string;
}

export class ClockResponse {
  @ApiProperty({ format: 'date-time' })
  now!: string;

  @ApiProperty({ enum: ['manual'] })
  mode!: 'manual';
}

/** Only mounted with CLOCK_MODE=manual (tests and demos); in system mode the route does not exist. */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/_test/clock')
export class TestClockController {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PROJECTOR) private readonly projector: Projector | null,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Get()
  @Roles('ops')
  @ApiOperation({ summary: 'The manual clock’s current instant' })
  @ApiOkResponse({ type: ClockResponse })
  @ApiProblems(...AUTH_PROBLEMS)
  current(): ClockResponse {
    return { now: this.clock.now().toISOString(), mode: 'manual' };
  }

  @Put()
  @NoAnswerDeadline() // it answers once what fell due has fired, however many deadlines that is
  @Roles('ops')
  @ApiOperation({
    summary: 'Move the manual clock (a restart resumes it); answers once due deadlines have fired',
    description: 'Backwards only while the store holds no event: later events stamped before earlier ones would put a contract’s history out of order for good (400 otherwise).',
  })
  @ApiOkResponse({ type: ClockResponse })
  @ApiProblems(...BODY_PROBLEMS, ...AUTH_PROBLEMS, 'SERVICE_UNAVAILABLE')
  async set(@Body() body: SetClockDto): Promise<ClockResponse> {
    const now = new Date(body.now);
    const current = this.clock.now();
    // Events are stamped by this clock and never rewritten: going back would record the next ones before them.
    if (now < current && (await this.eventStore.headPosition()) > 0n) {
      throw invalidField(
        'now',
        `now must not be before the clock's current instant (${current.toISOString()}) once events are recorded: they would be followed by earlier ones`,
        `«now» پس از ثبت رویدادها نباید پیش از زمان کنونی ساعت (${current.toISOString()}) باشد: رویدادهای بعدی پیش از آن‌ها ثبت می‌شدند`,
      );
    }
    if (this.projector) await this.projectedUpToNow(this.projector);
    await storeManualClock(this.pool, now); // first: a clock that could not be kept has not moved
    (this.clock as ManualClock).set(now);
    if (this.projector) await this.projector.runDueDeadlines(); // so the answer shows what fell due
    return { now: this.clock.now().toISOString(), mode: 'manual' };
  }

  /**
   * Lets every projection this process applies catch up with the events written so far (bounded
   * wait) before time moves: those events are then projected at the time they happened (the
   * SMS outbox judges a message late by the clock when it meets its event), and the deadline
   * schedule holds them when the move fires what fell due.
   */
  private async projectedUpToNow(projector: Projector): Promise<void> {
    // What was appended, not what readers see: an open answered 201 may sit a few milliseconds
    // above the visible head while an older transaction is still open (KurrentDB has no such lag).
    const head = this.eventStore instanceof PostgresEventStore ? await this.eventStore.appendedHeadPosition() : await this.eventStore.headPosition();
    for (let waited = 0; waited < CATCH_UP_WAIT_MS; waited += 20) {
      // A runner still starting (taking its lease) applies what it finds once it owns: wait for it too.
      const behind = (await projector.status()).filter((s) => (s.role === 'owner' || s.role === 'starting') && BigInt(s.position) < head);
      if (behind.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
