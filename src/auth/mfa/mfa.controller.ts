import { Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiTags } from '../../docs/openapi-decorators';
import type { FastifyReply as Response, FastifyRequest as Request } from 'fastify';
import { ApiErrors } from '../../common/api-errors';
import { Client, ClientContext } from '../client-context.decorator';
import { DpopProofVerifier } from '../dpop/dpop-proof.verifier';
import { TokenResponseDto } from '../dto/token-response.dto';
import { RefreshTokenTransport } from '../refresh-token.transport';
import { AccessTokenGuard, AuthenticatedUser } from '../tokens/access-token.guard';
import { CurrentUser } from '../tokens/current-user.decorator';
import { ConfirmedChangeDto, ConfirmTotpDto, MfaLoginDto, RecoveryCodesDto, TotpEnrolmentDto } from './dto/mfa.dto';
import { MfaService } from './mfa.service';
import { ValidatedBody } from '../../common/validation/validated-body.decorator';

/** The TOTP second factor: enrolment and changes for a signed-in user, and the code step of a login. */
@ApiTags('auth')
@Controller('auth/mfa')
export class MfaController {
  constructor(
    private readonly mfa: MfaService,
    private readonly transport: RefreshTokenTransport,
    private readonly dpop: DpopProofVerifier,
  ) {}

  @Post('verify')
  @HttpCode(200)
  @ApiResponse({ status: 200, type: TokenResponseDto, description: 'The session opens: the pair on the transport the request asks for, as on login' })
  @ApiErrors({
    400: 'Invalid input',
    401: 'Invalid code, or a ticket that is unknown, expired, used or dead after five failures',
    403: 'Cookie request from an Origin not in ALLOWED_ORIGINS',
    429: 'Too many wrong codes for this account (Retry-After)',
  })
  async verify(@ValidatedBody() dto: MfaLoginDto, @Client() client: ClientContext, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<TokenResponseDto> {
    this.transport.assertMaySetCookie(req);
    const dpopKey = await this.dpop.keyForLogin(req, res);
    return this.transport.send(req, res, await this.mfa.completeLogin(dto.ticket, dto, client, dpopKey));
  }

  @Post('totp')
  @HttpCode(200)
  @UseGuards(AccessTokenGuard)
  @ApiBearerAuth('access-token')
  @ApiResponse({ status: 200, type: TotpEnrolmentDto, description: 'A pending secret; enabled by POST /auth/mfa/totp/confirm' })
  @ApiErrors({ 401: 'Missing, invalid or revoked access token', 409: 'A second factor is already enabled' })
  startEnrolment(@CurrentUser() user: AuthenticatedUser, @Res({ passthrough: true }) res: Response): Promise<TotpEnrolmentDto> {
    res.header('Cache-Control', 'no-store');
    return this.mfa.startEnrolment(user.userId);
  }

  @Post('totp/confirm')
  @HttpCode(200)
  @UseGuards(AccessTokenGuard)
  @ApiBearerAuth('access-token')
  @ApiResponse({ status: 200, type: RecoveryCodesDto, description: 'Enabled; the recovery codes are shown this once' })
  @ApiErrors({ 400: 'Wrong code, or no enrolment in progress', 401: 'Missing, invalid or revoked access token' })
  confirmEnrolment(@CurrentUser() user: AuthenticatedUser, @ValidatedBody() dto: ConfirmTotpDto, @Client() client: ClientContext, @Res({ passthrough: true }) res: Response): Promise<RecoveryCodesDto> {
    res.header('Cache-Control', 'no-store');
    return this.mfa.confirmEnrolment(user.userId, dto.code, client);
  }

  @Post('totp/disable')
  @HttpCode(204)
  @UseGuards(AccessTokenGuard)
  @ApiBearerAuth('access-token')
  @ApiResponse({ status: 204, description: 'The factor and its recovery codes are gone; every other session of the user ends' })
  @ApiErrors({ 400: 'Wrong password or code, or no factor enabled', 401: 'Missing, invalid or revoked access token', 429: 'Too many wrong passwords or codes' })
  disable(@CurrentUser() user: AuthenticatedUser, @ValidatedBody() dto: ConfirmedChangeDto, @Client() client: ClientContext): Promise<void> {
    return this.mfa.disable(user.userId, user.sessionId, dto, client);
  }

  @Post('recovery-codes')
  @HttpCode(200)
  @UseGuards(AccessTokenGuard)
  @ApiBearerAuth('access-token')
  @ApiResponse({ status: 200, type: RecoveryCodesDto, description: 'Ten new codes (the old ones stop working); every other session of the user ends' })
  @ApiErrors({ 400: 'Wrong password or code, or no factor enabled', 401: 'Missing, invalid or revoked access token', 429: 'Too many wrong passwords or codes' })
  regenerateRecoveryCodes(@CurrentUser() user: AuthenticatedUser, @ValidatedBody() dto: ConfirmedChangeDto, @Client() client: ClientContext, @Res({ passthrough: true }) res: Response): Promise<RecoveryCodesDto> {
    res.header('Cache-Control', 'no-store');
    return this.mfa.regenerateRecoveryCodes(user.userId, user.sessionId, dto, client);
  }
}
