import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiTags } from '../../docs/openapi-decorators';
import { ApiErrors } from '../../common/api-errors';
import { AccessTokenGuard, AuthenticatedUser } from '../tokens/access-token.guard';
import { CurrentUser } from '../tokens/current-user.decorator';
import { SessionDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
@ApiBearerAuth('access-token')
@ApiErrors({ 401: 'Missing, invalid or revoked access token' })
@Controller('auth/sessions')
@UseGuards(AccessTokenGuard)
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @ApiResponse({ status: 200, type: [SessionDto], description: 'The live sessions (devices) of the user' })
  list(@CurrentUser() user: AuthenticatedUser): Promise<SessionDto[]> {
    return this.sessions.list(user.userId, user.sessionId);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiResponse({ status: 204, description: 'That session ends: its refresh and access tokens stop working' })
  @ApiErrors({ 400: 'Malformed session id', 404: 'No such session of this user' })
  end(@CurrentUser() user: AuthenticatedUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.sessions.end(user.userId, id);
  }
}
