import { ApiProperty } from '../../../docs/openapi-decorators';
import type { LiveSession } from '../session.repository';

/** A live session (device) as its owner sees it. */
export class SessionDto implements LiveSession {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  createdAt: Date;

  @ApiProperty()
  lastUsedAt: Date;

  @ApiProperty({ nullable: true, type: String })
  userAgent: string | null;

  @ApiProperty({ nullable: true, type: String })
  ip: string | null;

  @ApiProperty({ description: 'The session of the access token making this request' })
  current: boolean;
}
