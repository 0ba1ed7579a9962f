import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { databaseConfig, DatabaseConfig } from '../config/infra.config';
import { PrismaClient } from '../generated/prisma/client';

/** The one way into Postgres. Prisma 7 has no native engine: it talks through `pg`. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  constructor(@Inject(databaseConfig.KEY) config: DatabaseConfig) {
    super({
      adapter: new PrismaPg({
        connectionString: config.url,
        // Fail fast instead of queueing forever when Postgres is gone; callers answer 503.
        connectionTimeoutMillis: 3000,
        max: config.poolSize,
      }),
    });
  }

  async onModuleInit(): Promise<void> {
    await this.$connect();
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
