// Peer for `npm run bench`: "the idiomatic NestJS way" most tutorials and apps build instead of
// a module like ours. @nestjs/passport + passport-jwt guard the routes; the refresh rotation is
// a Prisma interactive $transaction (find, check, update, create); Nest on Fastify (the
// product's adapter, so the HTTP layer is not what differs). It shares the bench's database,
// secrets and token hashing with the product, so one chain can be refreshed by either.
//
// What it does not do, as those tutorials do not: no Redis (a logged-out access token works
// until it expires), no reuse detection, and no row lock: two concurrent refreshes of one token
// can both succeed. The bench's clients never race, so the comparison is on equal work.
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Injectable, Module, Post, Req, UnauthorizedException, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { PrismaPg } from '@prisma/adapter-pg';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Pool } from 'pg';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PrismaClient } = require('../../dist/generated/prisma/client');

const ACCESS_TTL = Number(process.env.ACCESS_TOKEN_TTL ?? 900);
const REFRESH_TTL = Number(process.env.REFRESH_TOKEN_TTL ?? 604800);
const hash = (token: string) => createHmac('sha256', process.env.REFRESH_TOKEN_SECRET!).update(token).digest();

@Injectable()
class PrismaService extends PrismaClient {
  constructor() {
    super({ adapter: new PrismaPg(new Pool({ connectionString: process.env.DATABASE_URL, max: 10 })) });
  }
}

@Injectable()
class JwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: process.env.JWT_ACCESS_SECRET!, algorithms: ['HS256'] });
  }

  validate(payload: { sub: string; sid: string }) {
    return { userId: payload.sub, sessionId: payload.sid };
  }
}

@Controller('auth')
class AuthController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly jwt: JwtService,
  ) {}

  @Post('refresh')
  @HttpCode(200)
  async refresh(@Body() body: { refreshToken?: string }) {
    if (typeof body?.refreshToken !== 'string') throw new UnauthorizedException();
    const refreshToken = randomBytes(32).toString('base64url');
    const rotated = await this.prisma.$transaction(async (tx: any) => {
      const current = await tx.refreshToken.findUnique({ where: { tokenHash: hash(body.refreshToken!) }, include: { session: true } });
      if (!current || current.revoked || current.expiresAt < new Date() || current.session.revokedAt) throw new UnauthorizedException();
      const id = randomUUID();
      await tx.refreshToken.update({ where: { id: current.id }, data: { revoked: true, revokedAt: new Date(), replacedBy: id } });
      await tx.session.update({ where: { id: current.sessionId }, data: { lastUsedAt: new Date() } });
      return tx.refreshToken.create({
        data: { id, tokenHash: hash(refreshToken), sessionId: current.sessionId, userId: current.userId, expiresAt: new Date(Date.now() + REFRESH_TTL * 1000) },
      });
    });
    const accessToken = await this.jwt.signAsync({ sub: rotated.userId, sid: rotated.sessionId }, { jwtid: randomUUID(), expiresIn: ACCESS_TTL });
    return { accessToken, tokenType: 'Bearer', expiresIn: ACCESS_TTL, refreshToken };
  }

  @Get('me')
  @UseGuards(AuthGuard('jwt'))
  async me(@Req() req: { user: { userId: string } }) {
    const user = await this.prisma.user.findUnique({ where: { id: req.user.userId }, select: { id: true, email: true } });
    if (!user) throw new UnauthorizedException();
    return user;
  }
}

@Controller('health')
class HealthController {
  @Get()
  health() {
    return { status: 'ok' };
  }
}

@Module({
  imports: [PassportModule, JwtModule.register({ secret: process.env.JWT_ACCESS_SECRET, signOptions: { algorithm: 'HS256' } })],
  controllers: [AuthController, HealthController],
  providers: [PrismaService, JwtStrategy],
})
class PeerModule {}

async function main() {
  const app = await NestFactory.create(PeerModule, new FastifyAdapter(), { logger: ['error'] });
  await app.listen(Number(process.env.PORT), '127.0.0.1');
}

void main();
