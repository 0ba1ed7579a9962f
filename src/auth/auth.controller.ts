import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { PublicUser } from '../users/users.service';
import { AuthService } from './auth.service';
import { CurrentUser } from './decorators/current-user.decorator';
import { ChangePasswordDto, ForgotPasswordDto, LoginDto, RegisterDto, ResetPasswordDto } from './dto/credentials.dto';
import { TokenResponseDto } from './dto/token-response.dto';
import { AccessTokenGuard, AuthenticatedUser } from './guards/access-token.guard';
import { PasswordService } from './passwords/password.service';
import { RefreshTokenTransport, sessionContext } from './refresh-token.transport';
import { RefreshTokenRotationService } from './tokens/refresh-token-rotation.service';

@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly rotation: RefreshTokenRotationService,
    private readonly transport: RefreshTokenTransport,
    private readonly passwords: PasswordService,
  ) {}

  @Post('register')
  register(@Body() dto: RegisterDto): Promise<PublicUser> {
    return this.auth.register(dto.email, dto.password);
  }

  @Post('login')
  @HttpCode(200)
  async login(@Body() dto: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<TokenResponseDto> {
    const pair = await this.auth.login(dto.email, dto.password, sessionContext(req));
    return this.transport.send(req, res, pair);
  }

  @Post('refresh')
  @HttpCode(200)
  async refresh(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<TokenResponseDto> {
    const pair = await this.rotation.rotate(this.transport.read(req), sessionContext(req));
    return this.transport.send(req, res, pair);
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const token = this.transport.read(req);
    // The browser forgets the cookie even when the token turns out to be unusable.
    this.transport.clear(res);
    await this.auth.logout(token);
  }

  @Post('logout-all')
  @HttpCode(204)
  @UseGuards(AccessTokenGuard)
  async logoutAll(@CurrentUser() user: AuthenticatedUser, @Res({ passthrough: true }) res: Response): Promise<void> {
    this.transport.clear(res);
    await this.auth.logoutAll(user.userId);
  }

  @Get('me')
  @UseGuards(AccessTokenGuard)
  me(@CurrentUser() user: AuthenticatedUser): Promise<PublicUser> {
    return this.auth.me(user.userId);
  }

  @Post('password/forgot')
  @HttpCode(202)
  async forgotPassword(@Body() dto: ForgotPasswordDto, @Req() req: Request): Promise<{ message: string }> {
    await this.passwords.requestReset(dto.email, sessionContext(req));
    return { message: 'If the address has an account, a reset link is on its way' };
  }

  @Post('password/reset')
  @HttpCode(204)
  resetPassword(@Body() dto: ResetPasswordDto): Promise<void> {
    return this.passwords.resetPassword(dto.token, dto.password);
  }

  @Post('password/change')
  @HttpCode(204)
  @UseGuards(AccessTokenGuard)
  changePassword(@CurrentUser() user: AuthenticatedUser, @Body() dto: ChangePasswordDto, @Req() req: Request): Promise<void> {
    return this.passwords.changePassword(user.userId, user.sessionId, dto.currentPassword, dto.newPassword, sessionContext(req));
  }
}
