import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { HealthService } from './health.service';

@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Liveness: the process answers. Touches no dependency, so a Redis blip never restarts pods. */
  @Get('live')
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: 200 when Postgres and Redis answer, 503 naming what is down. */
  @Get()
  async readiness(): Promise<{ status: 'ok'; postgres: 'up'; redis: 'up' }> {
    const down = await this.health.downDependencies();
    if (down.length) throw new ServiceUnavailableException(`Unavailable: ${down.join(', ')}`);
    return { status: 'ok', postgres: 'up', redis: 'up' };
  }
}
