import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiTags } from '../../docs/openapi-decorators';
import { ApiErrors } from '../../common/api-errors';
import { Client, ClientContext } from '../client-context.decorator';
import { AccessTokenGuard, AuthenticatedUser } from '../tokens/access-token.guard';
import { CurrentUser } from '../tokens/current-user.decorator';
import { AcceptedDto, ChangePasswordDto, ForgotPasswordDto, ResetPasswordDto } from './dto/passwords.dto';
import { PasswordService } from './password.service';
import { ValidatedBody } from '../../common/validation/validated-body.decorator';

/** Forgotten-password reset by mail, and password change for a signed-in user. */
@ApiTags('auth')
@Controller('auth/password')
export class PasswordsController {
  constructor(private readonly passwords: PasswordService) {}

  @Post('forgot')
  @HttpCode(202)
  @ApiResponse({ status: 202, type: AcceptedDto, description: 'Always, whether or not the email has an account' })
  @ApiErrors({ 400: 'Invalid email', 429: 'Too many reset requests from this address (Retry-After)' })
  async forgotPassword(@ValidatedBody() dto: ForgotPasswordDto, @Client() client: ClientContext): Promise<AcceptedDto> {
    await this.passwords.requestReset(dto.email, client);
    return { message: 'If the address has an account, a reset link is on its way' };
  }

  @Post('reset')
  @HttpCode(204)
  @ApiResponse({ status: 204, description: 'Password set; every session of the user ends' })
  @ApiErrors({ 400: 'Invalid, used or expired token, or weak password' })
  resetPassword(@ValidatedBody() dto: ResetPasswordDto): Promise<void> {
    return this.passwords.resetPassword(dto.token, dto.password);
  }

  @Post('change')
  @HttpCode(204)
  @UseGuards(AccessTokenGuard)
  @ApiBearerAuth('access-token')
  @ApiResponse({ status: 204, description: 'Password changed; every other session of the user ends' })
  @ApiErrors({ 400: 'Wrong current password or weak new password', 401: 'Missing, invalid or revoked access token', 429: 'Too many wrong passwords' })
  changePassword(@CurrentUser() user: AuthenticatedUser, @ValidatedBody() dto: ChangePasswordDto, @Client() client: ClientContext): Promise<void> {
    return this.passwords.changePassword(user.userId, user.sessionId, dto.currentPassword, dto.newPassword, client);
  }
}
