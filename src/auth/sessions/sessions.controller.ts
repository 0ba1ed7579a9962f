import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, UseGuards } from '@nestjs/common';
import { CurrentUser } from '../decorators/current-user.decorator';
import { AccessTokenGuard, AuthenticatedUser } from '../guards/access-token.guard';
import { SessionsService, SessionView } from './sessions.service';

@Controller('auth/sessions')
@UseGuards(AccessTokenGuard)
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  list(@CurrentUser() user: AuthenticatedUser): Promise<SessionView[]> {
    return this.sessions.list(user.userId, user.sessionId);
  }

  @Delete(':id')
  @HttpCode(204)
  end(@CurrentUser() user: AuthenticatedUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.sessions.end(user.userId, id);
  }
}
