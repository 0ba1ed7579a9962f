import { applyDecorators, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCookieAuth, ApiHeader, ApiResponse, ApiTags } from '../docs/openapi-decorators';
import type { FastifyReply as Response, FastifyRequest as Request } from 'fastify';
import { ApiErrors } from '../common/api-errors';
import { UserDto } from '../users/dto/user.dto';
import { AuthService } from './auth.service';
import { DpopProofVerifier } from './dpop/dpop-proof.verifier';
import { MfaChallengeDto } from './mfa/dto/mfa.dto';
import { AcceptedDto } from './passwords/dto/passwords.dto';
import { Client, ClientContext } from './client-context.decorator';
import { LoginDto, RegisterDto } from './dto/credentials.dto';
import { RefreshTokenBodyDto, TokenResponseDto } from './dto/token-response.dto';
import { RefreshTokenTransport } from './refresh-token.transport';
import { AccessTokenGuard, AuthenticatedUser } from './tokens/access-token.guard';
import { CurrentUser } from './tokens/current-user.decorator';
import { RefreshTokenRotationService } from './tokens/refresh-token-rotation.service';
import { ValidatedBody } from '../common/validation/validated-body.decorator';

const TransportHeader = () =>
  applyDecorators(
    ApiHeader({
      name: 'X-Token-Transport',
      required: false,
      enum: ['body'],
      description: '`body` (mobile): the refresh token travels in the JSON body and no cookie is set',
    }),
    ApiHeader({
      name: 'DPoP',
      required: false,
      description: 'DPoP proof JWT (RFC 9449). At login it binds the session to the key; a bound session needs one on every refresh and logout',
    }),
  );

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly rotation: RefreshTokenRotationService,
    private readonly transport: RefreshTokenTransport,
    private readonly dpop: DpopProofVerifier,
  ) {}

  @Post('register')
  @ApiResponse({ status: 201, type: UserDto, description: 'The account; a verification link is mailed' })
  @ApiResponse({ status: 202, type: AcceptedDto, description: 'With REQUIRE_VERIFIED_EMAIL: the same answer whether or not the email is taken' })
  @ApiErrors({ 400: 'Invalid input or weak password', 409: 'Email already registered (not with REQUIRE_VERIFIED_EMAIL)', 429: 'Too many registrations from this address (Retry-After)' })
  async register(@ValidatedBody() dto: RegisterDto, @Client() client: ClientContext, @Res({ passthrough: true }) res: Response): Promise<UserDto | AcceptedDto> {
    const registration = await this.auth.register(dto.email, dto.password, client);
    if ('created' in registration) return registration.created;
    res.status(202);
    return { message: 'Check your inbox: a link to confirm the address is on its way' };
  }

  @Post('login')
  @HttpCode(200)
  @TransportHeader()
  @ApiResponse({ status: 200, type: TokenResponseDto, description: 'Sets the refresh_token cookie unless the body transport is asked for' })
  @ApiResponse({ status: 200, type: MfaChallengeDto, description: 'The account has a second factor: no tokens yet; POST /auth/mfa/verify with the ticket and a code' })
  @ApiErrors({
    400: 'Invalid input',
    401: 'Invalid email or password; or an invalid DPoP proof (`WWW-Authenticate: DPoP`)',
    403: 'Cookie login from an Origin not in ALLOWED_ORIGINS; or, with REQUIRE_VERIFIED_EMAIL, an unverified address',
    429: 'Too many failed logins (Retry-After)',
  })
  async login(
    @ValidatedBody() dto: LoginDto,
    @Client() client: ClientContext,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TokenResponseDto | MfaChallengeDto> {
    this.transport.assertMaySetCookie(req);
    const dpopKey = await this.dpop.keyForLogin(req, res);
    const outcome = await this.auth.login(dto.email, dto.password, client, dpopKey);
    if ('mfaRequired' in outcome) {
      res.header('Cache-Control', 'no-store');
      return outcome;
    }
    return this.transport.send(req, res, outcome);
  }

  @Post('refresh')
  @HttpCode(200)
  @TransportHeader()
  @ApiCookieAuth('refresh-cookie')
  @ApiBody({ type: RefreshTokenBodyDto, required: false })
  @ApiResponse({ status: 200, type: TokenResponseDto, description: 'A new pair; the presented refresh token is retired' })
  @ApiErrors({
    401: 'Unusable refresh token (reuse of a rotated one also ends all sessions of the user); or a bound session without a valid DPoP proof of its key (`WWW-Authenticate: DPoP`; nothing changes)',
    403: 'Cookie request from an Origin not in ALLOWED_ORIGINS',
    503: 'Redis or Postgres unreachable: cannot decide',
  })
  async refresh(@Client() client: ClientContext, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<TokenResponseDto> {
    const dpopKey = await this.dpop.keyOf(req, res);
    const pair = await this.rotation.rotate(this.transport.read(req), client, dpopKey);
    return this.transport.send(req, res, pair);
  }

  @Post('logout')
  @HttpCode(204)
  @TransportHeader()
  @ApiCookieAuth('refresh-cookie')
  @ApiBody({ type: RefreshTokenBodyDto, required: false })
  @ApiResponse({ status: 204, description: 'The session ends: its refresh and access tokens stop working; the cookie is cleared' })
  @ApiErrors({
    401: 'Unknown refresh token, or a rotated one past the grace window (reuse: all sessions of the user end, as on refresh); or a bound session without a valid DPoP proof of its key (the session stays)',
    403: 'Cookie request from an Origin not in ALLOWED_ORIGINS',
  })
  async logout(@Client() client: ClientContext, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const token = this.transport.read(req);
    const dpopKey = await this.dpop.keyOf(req, res);
    // The browser forgets the cookie even when the token turns out to be unusable.
    this.transport.clear(res);
    await this.auth.logout(token, client, dpopKey);
  }

  @Post('logout-all')
  @HttpCode(204)
  @UseGuards(AccessTokenGuard)
  @ApiBearerAuth('access-token')
  @ApiResponse({ status: 204, description: 'Every session of the user ends' })
  @ApiErrors({ 401: 'Missing, invalid or revoked access token', 403: 'Request from an Origin not in ALLOWED_ORIGINS (it clears the cookie)' })
  async logoutAll(@CurrentUser() user: AuthenticatedUser, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    this.transport.assertOriginAllowed(req);
    this.transport.clear(res);
    await this.auth.logoutAll(user.userId);
  }

  @Get('me')
  @UseGuards(AccessTokenGuard)
  @ApiBearerAuth('access-token')
  @ApiResponse({ status: 200, type: UserDto })
  @ApiErrors({ 401: 'Missing, invalid or revoked access token' })
  me(@CurrentUser() user: AuthenticatedUser): Promise<UserDto> {
    return this.auth.me(user.userId);
  }
}
