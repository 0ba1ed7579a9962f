import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiResponse, ApiTags } from '../../docs/openapi-decorators';
import { ApiErrors } from '../../common/api-errors';
import { Client, ClientContext } from '../client-context.decorator';
import { AcceptedDto } from '../passwords/dto/passwords.dto';
import { ResendVerificationDto, VerifyEmailDto } from './dto/email.dto';
import { EmailVerificationService } from './email-verification.service';
import { ValidatedBody } from '../../common/validation/validated-body.decorator';

/** Verification of the account's email address by a mailed link. */
@ApiTags('auth')
@Controller('auth/email')
export class EmailController {
  constructor(private readonly verification: EmailVerificationService) {}

  @Post('verify')
  @HttpCode(204)
  @ApiResponse({ status: 204, description: 'The address is verified (`emailVerified: true` on /auth/me)' })
  @ApiErrors({ 400: 'Invalid, used or expired verification token' })
  verify(@ValidatedBody() dto: VerifyEmailDto, @Client() client: ClientContext): Promise<void> {
    return this.verification.verify(dto.token, client);
  }

  @Post('resend')
  @HttpCode(202)
  @ApiResponse({ status: 202, type: AcceptedDto, description: 'Always, whether or not the address has an unverified account' })
  @ApiErrors({ 400: 'Invalid email', 429: 'Too many requests from this address (Retry-After)' })
  async resend(@ValidatedBody() dto: ResendVerificationDto, @Client() client: ClientContext): Promise<AcceptedDto> {
    await this.verification.resend(dto.email, client);
    return { message: 'If the address has an unverified account, a new link is on its way' };
  }
}
