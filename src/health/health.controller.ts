import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiResponse, ApiTags } from '../docs/openapi-decorators';
import { ApiErrors } from '../common/api-errors';
import { HealthService } from './health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Liveness: the process answers. Touches no dependency, so a Redis blip never restarts pods. */
  @Get('live')
  @ApiResponse({ status: 200, description: 'The process is up' })
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: 200 when Postgres and Redis answer, 503 naming what is down. */
  @Get()
  @ApiResponse({ status: 200, description: 'Postgres and Redis answer' })
  @ApiErrors({ 503: 'Names the dependency that does not answer' })
  async readiness(): Promise<{ status: 'ok'; postgres: 'up'; redis: 'up' }> {
    const down = await this.health.downDependencies();
    if (down.length) throw new ServiceUnavailableException(`Unavailable: ${down.join(', ')}`);
    return { status: 'ok', postgres: 'up', redis: 'up' };
  }
}
