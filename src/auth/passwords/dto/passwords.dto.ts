import { ApiProperty } from '../../../docs/openapi-decorators';
import { TextField } from '../../../common/validation/text-field';
import { AccountEmail } from '../../dto/credentials.dto';

export class ForgotPasswordDto {
  @AccountEmail()
  email: string;
}

export class ResetPasswordDto {
  @TextField({ maxLength: 256, description: 'The token from the mailed link' })
  token: string;

  @TextField({ maxLength: 1024, description: 'The new password (same policy as registration)' })
  password: string;
}

export class ChangePasswordDto {
  @TextField({ maxLength: 1024 })
  currentPassword: string;

  @TextField({ maxLength: 1024, description: 'Same policy as registration' })
  newPassword: string;
}

export class AcceptedDto {
  @ApiProperty({ example: 'If the address has an account, a reset link is on its way' })
  message: string;
}
