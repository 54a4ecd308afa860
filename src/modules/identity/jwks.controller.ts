import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../../core/auth/public.decorator';
import { TokenService } from './services/token.service';

@Controller('.well-known')
export class JwksController {
  constructor(private readonly tokens: TokenService) {}

  /** Public keys that verify our access tokens (the current signing key and any still in overlap). */
  @Public()
  @Get('jwks.json')
  @Header('cache-control', 'public, max-age=300')
  jwks() {
    return this.tokens.publicJwks();
  }
}
