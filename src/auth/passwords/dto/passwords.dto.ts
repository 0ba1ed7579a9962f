import { ApiProperty } from '../../../docs/openapi-decorators';
import { IsString, MaxLength } from 'class-validator';
import { AccountEmail } from '../../dto/credentials.dto';

export class ForgotPasswordDto {
  @AccountEmail()
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
