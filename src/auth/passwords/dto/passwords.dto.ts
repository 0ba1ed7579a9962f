import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength } from 'class-validator';
import { normalizeEmail } from '../../dto/credentials.dto';

export class ForgotPasswordDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 320 })
  @Transform(normalizeEmail)
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(320)
  email: string;
}

export class ResetPasswordDto {
  @ApiProperty({ description: 'The token from the mailed link' })
  @IsString()
  @MaxLength(256)
  token: string;

  @ApiProperty({ description: 'The new password (same policy as registration)' })
  @IsString()
  @MaxLength(1024)
  password: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MaxLength(1024)
  currentPassword: string;

  @ApiProperty({ description: 'Same policy as registration' })
  @IsString()
  @MaxLength(1024)
  newPassword: string;
}

export class AcceptedDto {
  @ApiProperty({ example: 'If the address has an account, a reset link is on its way' })
  message: string;
}
