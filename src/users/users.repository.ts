import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PreparedStatement, PreparedStatements } from '../prisma/prepared-statements';
import { PrismaService } from '../prisma/prisma.service';
import { UserDto } from './dto/user.dto';

// Per-request lookups (login, the guarded /auth/me) as prepared statements; the benchmark's
// floor (bench/floor-server.js) runs these very texts from the build.

const MFA_ENABLED = 'EXISTS (SELECT 1 FROM totp_factors f WHERE f.user_id = u.id AND f.enabled_at IS NOT NULL)';

/**
 * A digest of the stored password hash (of `users u`). Every new password gets a new salt, so
 * the stamp changes with each reset or change. A session opens only while the stamp its
 * password check saw is still current (`CREATE_SESSION`). It is no help in guessing the
 * password: the salt it would need is inside what was digested.
 */
export const PASSWORD_STAMP = `sha256(convert_to(u.password_hash, 'UTF8'))`;

export const FIND_PUBLIC_USER: PreparedStatement = {
  name: 'find_public_user',
  text: `SELECT u.id, u.email, u.email_verified_at IS NOT NULL AS "emailVerified", ${MFA_ENABLED} AS "mfaEnabled"
           FROM users u WHERE u.id = $1::uuid`,
};

export const FIND_CREDENTIALS: PreparedStatement = {
  name: 'find_credentials',
  text: `SELECT u.id, u.password_hash AS "passwordHash", ${PASSWORD_STAMP} AS "passwordStamp",
                u.email_verified_at IS NOT NULL AS "emailVerified", ${MFA_ENABLED} AS "mfaEnabled"
           FROM users u WHERE u.email = $1`,
};

/** What a login needs to know about an account. */
export interface Credentials {
  id: string;
  passwordHash: string;
  passwordStamp: Buffer;
  emailVerified: boolean;
  mfaEnabled: boolean;
}

/** A user whose password was just checked, and the stamp of the hash it was checked against. */
export interface VerifiedPassword {
  userId: string;
  passwordStamp: Buffer;
}

/**
 * The queries of `users`. A password is set together with what must change with it (reset links
 * spent or retired) in one statement, so the two can never disagree.
 */
@Injectable()
export class UsersRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly statements: PreparedStatements,
  ) {}

  /** The new account, or null when the email is taken (the unique index decides, races included). */
  async create(email: string, passwordHash: string): Promise<UserDto | null> {
    try {
      const user = await this.prisma.user.create({ data: { email, passwordHash }, select: { id: true, email: true } });
      return { ...user, emailVerified: false, mfaEnabled: false };
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return null;
      throw err;
    }
  }

  /** On every login: a prepared statement, like the other per-request lookups. */
  findCredentials(email: string): Promise<Credentials | null> {
    return this.statements.firstRow<Credentials>(FIND_CREDENTIALS, [email]);
  }

  findCredentialsById(id: string): Promise<{ email: string; passwordHash: string } | null> {
    return this.prisma.user.findUnique({ where: { id }, select: { email: true, passwordHash: true } });
  }

  /** The id of the account with this id or this (normalised) email; null when there is none. */
  async findAccountId(key: { id: string } | { email: string }): Promise<string | null> {
    return (await this.prisma.user.findUnique({ where: key, select: { id: true } }))?.id ?? null;
  }

  /** On every guarded `/auth/me`: a prepared statement (measured in BENCHMARKS.md). */
  findById(id: string): Promise<UserDto | null> {
    return this.statements.firstRow<UserDto>(FIND_PUBLIC_USER, [id]);
  }

  /**
   * Spends the token and sets the new password hash in one statement: of two concurrent
   * resets with one token, the row lock lets exactly one through. Returns the user id, or
   * null when the token was already spent or expired.
   */
  async setPasswordSpendingReset(tokenHash: Buffer, passwordHash: string): Promise<string | null> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      WITH spent AS (
        UPDATE password_resets SET used_at = now()
         WHERE token_hash = ${tokenHash} AND used_at IS NULL AND expires_at > now()
        RETURNING user_id
      ), others AS (
        UPDATE password_resets SET used_at = now()
         WHERE user_id = (SELECT user_id FROM spent) AND used_at IS NULL AND token_hash <> ${tokenHash}
      )
      UPDATE users u SET password_hash = ${passwordHash}, updated_at = now()
        FROM spent WHERE u.id = spent.user_id
      RETURNING u.id`;
    return rows[0]?.id ?? null;
  }

  /**
   * Sets a signed-in user's new password and retires every unused reset link in the same
   * statement: a link mailed before the change must not undo it.
   */
  async setPasswordRetiringResets(userId: string, passwordHash: string): Promise<void> {
    await this.prisma.$executeRaw`
      WITH retired AS (
        UPDATE password_resets SET used_at = now() WHERE user_id = ${userId}::uuid AND used_at IS NULL
      )
      UPDATE users SET password_hash = ${passwordHash}, updated_at = now() WHERE id = ${userId}::uuid`;
  }
}
