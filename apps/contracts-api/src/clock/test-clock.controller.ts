import { Body, Controller, Get, Inject, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsISO8601 } from 'class-validator';
import { CLOCK, ManualClock, type Clock } from '@app/platform';
import { Roles } from '../auth';

export class SetClockDto {
  @ApiProperty({ description: 'The new instant (ISO-8601); due deadlines fire at once', example: '2026-12-22T08:00:00Z' })
  @IsISO8601({ strict: true })
  now!: string;
}

/** Only mounted with CLOCK_MODE=manual (tests and demos); in system mode the route does not exist. */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/_test/clock')
export class TestClockController {
  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  @Get()
  @Roles('ops')
  @ApiOperation({ summary: 'The manual clock’s current instant' })
  current() {
    return { now: this.clock.now().toISOString(), mode: 'manual' };
  }

  @Put()
  @Roles('ops')
  @ApiOperation({ summary: 'Move the manual clock (forwards or backwards)' })
  set(@Body() body: SetClockDto) {
    (this.clock as ManualClock).set(new Date(body.now));
    return { now: this.clock.now().toISOString(), mode: 'manual' };
  }
}
