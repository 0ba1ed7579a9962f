import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { forgetModules } from '../common/module-cache';
import { Prisma, PrismaClient } from '../generated/prisma/client';
import { PreparedStatements } from './prepared-statements';

/** Prisma's query compiler ships as wasm inside a JS module, one base64 string (2.3 MiB). */
const QUERY_COMPILER_SOURCE = /[\\/]@prisma[\\/]client[\\/]runtime[\\/]query_compiler_[^\\/]*\.wasm-base64\.js$/;

/**
 * Prisma's client for every query but the per-request statements (PreparedStatements). Prisma 7
 * has no native engine: it talks through `pg`, on the pool PreparedStatements owns, and ends that
 * pool when it disconnects.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  constructor(statements: PreparedStatements) {
    super({ adapter: new PrismaPg(statements.pool, { disposeExternalPool: true }) });
  }

  async onModuleInit(): Promise<void> {
    await this.$connect();
    // The wasm is compiled now and the string is never read again, yet Node's module cache
    // would keep it on the heap for good.
    forgetModules(QUERY_COMPILER_SOURCE);
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }

  /**
   * Stores a new single-use mailed token of a user (reset link, verification link); the user's
   * earlier unused ones of that table stop working (superseded), in one transaction.
   */
  async replaceUnusedToken(table: 'password_resets' | 'email_verifications', userId: string, tokenHash: Buffer, ttlSeconds: number): Promise<void> {
    const t = Prisma.raw(table);
    await this.$transaction([
      this.$executeRaw`DELETE FROM ${t} WHERE user_id = ${userId}::uuid AND used_at IS NULL`,
      this.$executeRaw`
        INSERT INTO ${t} (id, user_id, token_hash, expires_at)
        VALUES (gen_random_uuid(), ${userId}::uuid, ${tokenHash}, now() + make_interval(secs => ${ttlSeconds}))`,
    ]);
  }

  /**
   * One bounded DELETE, for the cleanup job's purges. `FOR UPDATE SKIP LOCKED` never waits for a
   * row a request's transaction holds (a logout revoking it): the next run takes that row. Each
   * statement commits on its own, so no lock outlives a batch. `table` is a repository's
   * constant, never input.
   */
  deleteBatch(table: 'refresh_tokens' | 'password_resets' | 'sessions' | 'email_verifications', where: Prisma.Sql, limit: number): Promise<number> {
    const t = Prisma.raw(table);
    return this.$executeRaw`DELETE FROM ${t} WHERE id IN (SELECT id FROM ${t} WHERE ${where} LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
  }
}
