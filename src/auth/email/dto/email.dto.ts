import { TextField } from '../../../common/validation/text-field';
import { AccountEmail } from '../../dto/credentials.dto';

export class VerifyEmailDto {
  @TextField({ maxLength: 256, description: 'The token from the mailed link (`/verify-email?token=...`)' })
  token: string;
}

export class ResendVerificationDto {
  @AccountEmail()
  email: string;
}
