import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCookieAuth, ApiHeader, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply as Response, FastifyRequest as Request } from 'fastify';
import { ApiErrors } from '../common/api-errors';
import { PublicUser } from '../users/users.service';
import { AuthService } from './auth.service';
import { CurrentUser } from './decorators/current-user.decorator';
import { ChangePasswordDto, ForgotPasswordDto, LoginDto, RegisterDto, ResetPasswordDto } from './dto/credentials.dto';
import { AcceptedDto, RefreshTokenBodyDto, TokenResponseDto, UserDto } from './dto/token-response.dto';
import { AccessTokenGuard, AuthenticatedUser } from './guards/access-token.guard';
import { PasswordService } from './passwords/password.service';
import { RefreshTokenTransport, sessionContext } from './refresh-token.transport';
import { RefreshTokenRotationService } from './tokens/refresh-token-rotation.service';

const TransportHeader = () =>
  ApiHeader({
    name: 'X-Token-Transport',
    required: false,
    enum: ['body'],
    description: '`body` (mobile): the refresh token travels in the JSON body and no cookie is set',
  });

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly rotation: RefreshTokenRotationService,
    private readonly transport: RefreshTokenTransport,
    private readonly passwords: PasswordService,
  ) {}

  @Post('register')
  @ApiResponse({ status: 201, type: UserDto })
  @ApiErrors({ 400: 'Invalid input or weak password', 409: 'Email already registered', 429: 'Too many registrations from this address (Retry-After)' })
  register(@Body() dto: RegisterDto, @Req() req: Request): Promise<PublicUser> {
    return this.auth.register(dto.email, dto.password, sessionContext(req));
  }

  @Post('login')
  @HttpCode(200)
  @TransportHeader()
  @ApiResponse({ status: 200, type: TokenResponseDto, description: 'Sets the refresh_token cookie unless the body transport is asked for' })
  @ApiErrors({
    400: 'Invalid input',
    401: 'Invalid email or password',
    403: 'Cookie login from an Origin not in ALLOWED_ORIGINS',
    429: 'Too many failed logins (Retry-After)',
  })
  async login(@Body() dto: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<TokenResponseDto> {
    this.transport.assertMaySetCookie(req);
    const pair = await this.auth.login(dto.email, dto.password, sessionContext(req));
    return this.transport.send(req, res, pair);
  }

  @Post('refresh')
  @HttpCode(200)
  @TransportHeader()
  @ApiCookieAuth('refresh-cookie')
  @ApiBody({ type: RefreshTokenBodyDto, required: false })
  @ApiResponse({ status: 200, type: TokenResponseDto, description: 'A new pair; the presented refresh token is retired' })
  @ApiErrors({
    401: 'Unusable refresh token (reuse of a rotated one also ends the user’s sessions)',
    403: 'Cookie request from an Origin not in ALLOWED_ORIGINS',
    503: 'Redis or Postgres unreachable: cannot decide',
  })
  async refresh(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<TokenResponseDto> {
    const pair = await this.rotation.rotate(this.transport.read(req), sessionContext(req));
    return this.transport.send(req, res, pair);
  }

  @Post('logout')
  @HttpCode(204)
  @TransportHeader()
  @ApiCookieAuth('refresh-cookie')
  @ApiBody({ type: RefreshTokenBodyDto, required: false })
  @ApiResponse({ status: 204, description: 'The session ends: its refresh and access tokens stop working; the cookie is cleared' })
  @ApiErrors({
    401: 'Unknown refresh token, or a rotated one past the grace window (reuse: the user’s sessions end, as on refresh)',
    403: 'Cookie request from an Origin not in ALLOWED_ORIGINS',
  })
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const token = this.transport.read(req);
    // The browser forgets the cookie even when the token turns out to be unusable.
    this.transport.clear(res);
    await this.auth.logout(token, sessionContext(req));
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
  me(@CurrentUser() user: AuthenticatedUser): Promise<PublicUser> {
    return this.auth.me(user.userId);
  }

  @Post('password/forgot')
  @HttpCode(202)
  @ApiResponse({ status: 202, type: AcceptedDto, description: 'Always, whether or not the email has an account' })
  @ApiErrors({ 400: 'Invalid email', 429: 'Too many reset requests from this address (Retry-After)' })
  async forgotPassword(@Body() dto: ForgotPasswordDto, @Req() req: Request): Promise<AcceptedDto> {
    await this.passwords.requestReset(dto.email, sessionContext(req));
    return { message: 'If the address has an account, a reset link is on its way' };
  }

  @Post('password/reset')
  @HttpCode(204)
  @ApiResponse({ status: 204, description: 'Password set; every session of the user ends' })
  @ApiErrors({ 400: 'Invalid, used or expired token, or weak password' })
  resetPassword(@Body() dto: ResetPasswordDto): Promise<void> {
    return this.passwords.resetPassword(dto.token, dto.password);
  }

  @Post('password/change')
  @HttpCode(204)
  @UseGuards(AccessTokenGuard)
  @ApiBearerAuth('access-token')
  @ApiResponse({ status: 204, description: 'Password changed; the user’s other sessions end' })
  @ApiErrors({ 400: 'Wrong current password or weak new password', 401: 'Missing, invalid or revoked access token', 429: 'Too many wrong passwords' })
  changePassword(@CurrentUser() user: AuthenticatedUser, @Body() dto: ChangePasswordDto, @Req() req: Request): Promise<void> {
    return this.passwords.changePassword(user.userId, user.sessionId, dto.currentPassword, dto.newPassword, sessionContext(req));
  }
}
