import { Injectable, NotFoundException } from '@nestjs/common';
import { SessionDto } from './dto/session.dto';
import { SessionRepository } from './session.repository';
import { SessionRevocationService } from '../tokens/session-revocation.service';


/** A user's view of their own sessions (devices), and ending one of them. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly revocation: SessionRevocationService,
  ) {}

  async list(userId: string, currentSessionId: string): Promise<SessionDto[]> {
    const sessions = await this.sessions.listLiveSessions(userId);
    return sessions.map((s) => ({ ...s, current: s.id === currentSessionId }));
  }

  /** 404 for an unknown or ended session and for another user's: no way to probe ids. */
  async end(userId: string, sessionId: string): Promise<void> {
    if (!(await this.sessions.isSessionLive(sessionId, userId))) throw new NotFoundException('Session not found');
    await this.revocation.endSession(userId, sessionId, 'session_revoked');
  }
}
