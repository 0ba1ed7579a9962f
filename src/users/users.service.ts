import { ConflictException, Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';

export interface PublicUser {
  id: string;
  email: string;
}

const PUBLIC_FIELDS = { id: true, email: true } as const;

@Injectable()
export class UsersService {
  constructor(private readonly prisma: PrismaService) {}

  async create(email: string, passwordHash: string): Promise<PublicUser> {
    try {
      return await this.prisma.user.create({ data: { email, passwordHash }, select: PUBLIC_FIELDS });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        throw new ConflictException('Email is already registered');
      }
      throw err;
    }
  }

  findCredentials(email: string): Promise<{ id: string; passwordHash: string } | null> {
    return this.prisma.user.findUnique({ where: { email }, select: { id: true, passwordHash: true } });
  }

  findCredentialsById(id: string): Promise<{ email: string; passwordHash: string } | null> {
    return this.prisma.user.findUnique({ where: { id }, select: { email: true, passwordHash: true } });
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.prisma.user.update({ where: { id }, data: { passwordHash } });
  }

  /** On every guarded `/auth/me`: raw SQL skips the query compiler (measured in BENCHMARKS.md). */
  async findById(id: string): Promise<PublicUser | null> {
    const rows = await this.prisma.$queryRaw<PublicUser[]>`SELECT id, email FROM users WHERE id = ${id}::uuid`;
    return rows[0] ?? null;
  }
}
