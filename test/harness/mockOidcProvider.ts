/**
 * A tiny OpenID provider on 127.0.0.1 for the viewer's OIDC test: discovery, an authorization
 * endpoint that signs one fixed user in without asking (redirecting back with a code and the
 * state), a token endpoint that checks the code, the redirect URI, the client and the PKCE
 * verifier (S256) and answers an RS256 access token and ID token signed with a key made here,
 * the JWKS, userinfo, revocation and end-session. Cross-origin calls from the viewer's origin
 * (discovery, token, userinfo, revocation: fetched by oidc-client-ts inside OHIF) get CORS
 * headers for that origin only. Every step is recorded in `events` for the test to assert.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockUser {
  readonly sub: string;
  readonly preferred_username: string;
  readonly name: string;
  readonly roles: readonly string[];
}

export interface MockOidcOptions {
  readonly clientId: string;
  /** `aud` of the access tokens (what the ScanSelect server's `oidc.audience` expects). */
  readonly audience: string;
  readonly user: MockUser;
  /** Access-token lifetime in seconds (default 3600). */
  readonly lifetimeSeconds?: number;
}

interface PendingCode { readonly redirectUri: string; readonly challenge: string; readonly nonce: string | null; readonly scope: string; readonly expires: number }

export class MockOidcProvider {
  readonly events: string[] = [];
  /** Access tokens issued, newest last. */
  readonly accessTokens: string[] = [];
  /** The viewer: its origin (CORS) and the redirect URIs it may use; set once the server listens. */
  viewerOrigin: string | null = null;
  private readonly codes = new Map<string, PendingCode>();
  private readonly keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly kid = `k-${randomBytes(4).toString('hex')}`;

  private constructor(private readonly server: http.Server, readonly issuer: string, private readonly options: MockOidcOptions) {}

  static async start(options: MockOidcOptions): Promise<MockOidcProvider> {
    let provider: MockOidcProvider | null = null;
    const server = http.createServer((req, res) => {
      provider!.handle(req, res).catch((error: unknown) => {
        provider!.events.push(`error ${(error as Error).message}`);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    provider = new MockOidcProvider(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, options);
    return provider;
  }

  get jwksUrl(): string {
    return `${this.issuer}/jwks`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.issuer);
    const origin = req.headers.origin;
    if (origin && origin === this.viewerOrigin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept');
      res.writeHead(204).end();
      return;
    }
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(body));
    };
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /.well-known/openid-configuration':
        this.events.push('discovery');
        return json(200, {
          issuer: this.issuer,
          authorization_endpoint: `${this.issuer}/authorize`,
          token_endpoint: `${this.issuer}/token`,
          userinfo_endpoint: `${this.issuer}/userinfo`,
          jwks_uri: this.jwksUrl,
          end_session_endpoint: `${this.issuer}/logout`,
          revocation_endpoint: `${this.issuer}/revoke`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          grant_types_supported: ['authorization_code'],
          token_endpoint_auth_methods_supported: ['none'],
          scopes_supported: ['openid', 'profile'],
        });
      case 'GET /jwks':
        this.events.push('jwks');
        return json(200, { keys: [{ ...this.keys.publicKey.export({ format: 'jwk' }), kid: this.kid, use: 'sig', alg: 'RS256' }] });
      case 'GET /authorize':
        return this.authorize(url, res);
      case 'POST /token':
        return this.token(new URLSearchParams(await body(req)), json);
      case 'GET /userinfo': {
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (!bearer || !this.accessTokens.includes(bearer)) return json(401, { error: 'invalid_token' });
        this.events.push('userinfo');
        const { sub, preferred_username, name } = this.options.user;
        return json(200, { sub, preferred_username, name });
      }
      case 'POST /revoke':
        await body(req);
        this.events.push('revoke');
        res.writeHead(200).end();
        return;
      case 'GET /logout': {
        const back = url.searchParams.get('post_logout_redirect_uri');
        this.events.push(`logout${back ? ` → ${back}` : ''}`);
        if (back && this.viewerOrigin && new URL(back).origin === this.viewerOrigin) {
          res.writeHead(302, { Location: back }).end();
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<p>Signed out.</p>');
        return;
      }
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    }
  }

  /** Auto-approves: checks the request as a provider would, then redirects back with a code. */
  private authorize(url: URL, res: http.ServerResponse): void {
    const p = url.searchParams;
    const redirectUri = p.get('redirect_uri') ?? '';
    const problem =
      p.get('client_id') !== this.options.clientId ? 'unknown client_id'
        : p.get('response_type') !== 'code' ? `response_type ${p.get('response_type')} (only code)`
          : !this.viewerOrigin || !redirectUri.startsWith(`${this.viewerOrigin}/`) ? `redirect_uri ${redirectUri} not registered`
            : p.get('code_challenge_method') !== 'S256' || !p.get('code_challenge') ? 'PKCE (S256) required'
              : !(p.get('scope') ?? '').split(' ').includes('openid') ? 'scope without openid'
                : !p.get('state') ? 'no state' : null;
    if (problem) {
      this.events.push(`authorize refused: ${problem}`);
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`authorization refused: ${problem}\n`);
      return;
    }
    const code = randomBytes(16).toString('base64url');
    this.codes.set(code, { redirectUri, challenge: p.get('code_challenge')!, nonce: p.get('nonce'), scope: p.get('scope')!, expires: Date.now() + 60_000 });
    this.events.push(`authorize → ${new URL(redirectUri).pathname}`);
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', p.get('state')!);
    res.writeHead(302, { Location: back.href }).end();
  }

  private token(p: URLSearchParams, json: (status: number, body: unknown) => void): void {
    const code = p.get('code') ?? '';
    const pending = this.codes.get(code);
    this.codes.delete(code); // a code is used once
    const verifier = p.get('code_verifier') ?? '';
    const problem =
      p.get('grant_type') !== 'authorization_code' ? 'unsupported grant_type'
        : !pending || pending.expires < Date.now() ? 'unknown or expired code'
          : p.get('client_id') !== this.options.clientId ? 'wrong client_id'
            : p.get('redirect_uri') !== pending.redirectUri ? 'redirect_uri differs from the authorization request'
              : createHash('sha256').update(verifier).digest('base64url') !== pending.challenge ? 'PKCE verifier does not match the challenge' : null;
    if (problem) {
      this.events.push(`token refused: ${problem}`);
      return json(400, { error: 'invalid_grant', error_description: problem });
    }
    const now = Math.floor(Date.now() / 1000);
    const lifetime = this.options.lifetimeSeconds ?? 3600;
    const { user, clientId, audience } = this.options;
    const accessToken = this.jwt({ iss: this.issuer, aud: audience, azp: clientId, sub: user.sub, iat: now, exp: now + lifetime, scope: pending!.scope, preferred_username: user.preferred_username, name: user.name, roles: user.roles });
    const idToken = this.jwt({ iss: this.issuer, aud: clientId, sub: user.sub, iat: now, exp: now + lifetime, auth_time: now, ...(pending!.nonce && { nonce: pending!.nonce }), preferred_username: user.preferred_username, name: user.name });
    this.accessTokens.push(accessToken);
    this.events.push('token (PKCE verified)');
    json(200, { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: lifetime, scope: pending!.scope });
  }

  private jwt(payload: Record<string, unknown>): string {
    const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const signed = `${b64({ alg: 'RS256', typ: 'JWT', kid: this.kid })}.${b64(payload)}`;
    return `${signed}.${sign('sha256', Buffer.from(signed), this.keys.privateKey).toString('base64url')}`;
  }
}

function body(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
