import { Injectable, OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';
import { normalizePassword } from './password-policy';

/** argon2id at the OWASP minimum (19 MiB, 2 passes, 1 lane). */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordHasherService implements OnModuleInit {
  /** Verified against for unknown emails, so they cost the same time as a wrong password. */
  private dummyHash: string;

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash('dummy password for timing parity');
  }

  hash(password: string): Promise<string> {
    return argon2.hash(normalizePassword(password), ARGON2_OPTIONS);
  }

  /** False for a wrong password; `hash` null means the account does not exist. */
  async verify(hash: string | null, password: string): Promise<boolean> {
    try {
      const ok = await argon2.verify(hash ?? this.dummyHash, normalizePassword(password));
      return ok && hash !== null;
    } catch {
      return false;
    }
  }
}
