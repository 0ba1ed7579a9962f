import { ConflictException, Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { FIND_CREDENTIALS, FIND_PUBLIC_USER } from './user-statements';

import { UserDto } from './dto/user.dto';

const PUBLIC_FIELDS = { id: true, email: true } as const;

@Injectable()
export class UsersService {
  constructor(private readonly prisma: PrismaService) {}

  async create(email: string, passwordHash: string): Promise<UserDto> {
    try {
      return await this.prisma.user.create({ data: { email, passwordHash }, select: PUBLIC_FIELDS });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        throw new ConflictException('Email is already registered');
      }
      throw err;
    }
  }

  /** On every login: a prepared statement, like the other per-request lookups. */
  async findCredentials(email: string): Promise<{ id: string; passwordHash: string } | null> {
    const rows = await this.prisma.prepared<{ id: string; passwordHash: string }>(FIND_CREDENTIALS, [email]);
    return rows[0] ?? null;
  }

  findCredentialsById(id: string): Promise<{ email: string; passwordHash: string } | null> {
    return this.prisma.user.findUnique({ where: { id }, select: { email: true, passwordHash: true } });
  }

  /** On every guarded `/auth/me`: a prepared statement (measured in BENCHMARKS.md). */
  async findById(id: string): Promise<UserDto | null> {
    const rows = await this.prisma.prepared<UserDto>(FIND_PUBLIC_USER, [id]);
    return rows[0] ?? null;
  }
}
