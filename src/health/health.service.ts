import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';
import { RedisService } from '../redis/redis.service';

const CHECK_TIMEOUT_MS = 2000;

@Injectable()
export class HealthService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
  ) {}

  /** Names of the dependencies that do not answer within the timeout. */
  async downDependencies(): Promise<string[]> {
    const [postgres, redis] = await Promise.all([
      withTimeout(this.prisma.$queryRaw`SELECT 1`.then(() => true)),
      withTimeout(this.redis.ping()),
    ]);
    return [!postgres && 'postgres', !redis && 'redis'].filter((n): n is string => !!n);
  }
}

function withTimeout(check: Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS)));
  return Promise.race([check.catch(() => false), timeout]).finally(() => clearTimeout(timer));
}
