import { Controller, Get, Header, Headers, Inject, NotFoundException, Res, UnauthorizedException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiExcludeController } from '../docs/openapi-decorators';
import { timingSafeEqual } from 'node:crypto';
import { Registry } from './prometheus';
import { appConfig, AppConfig } from '../config/app.config';
import { MetricsService } from './metrics.service';

/** Prometheus scrape endpoint: 404 when METRICS_ENABLED=false, bearer METRICS_TOKEN when set. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) res: FastifyReply, @Headers('authorization') authorization?: string): Promise<string> {
    if (!this.config.metricsEnabled) throw new NotFoundException('Cannot GET /metrics');
    if (this.config.metricsToken && !sameSecret(authorization ?? '', `Bearer ${this.config.metricsToken}`)) {
      throw new UnauthorizedException('Metrics need the bearer METRICS_TOKEN');
    }
    res.type(Registry.PROMETHEUS_CONTENT_TYPE);
    return this.metrics.registry.metrics();
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
