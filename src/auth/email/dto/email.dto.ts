import { ApiProperty } from '../../../docs/openapi-decorators';
import { IsString, MaxLength } from 'class-validator';
import { AccountEmail } from '../../dto/credentials.dto';

export class VerifyEmailDto {
  @ApiProperty({ description: 'The token from the mailed link (`/verify-email?token=…`)' })
  @IsString()
  @MaxLength(256)
  token: string;
}

export class ResendVerificationDto {
  @AccountEmail()
  email: string;
}
