import { constants, createHmac, createPublicKey, generateKeyPairSync, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOidcVerifier, looksLikeJwt, OidcError, OIDC_TOKEN_ID, type OidcErrorCode, type OidcVerifierOptions } from './oidcVerifier';

const ISSUER = 'https://idp.hospital.example/realms/radiology';
const AUDIENCE = 'scanselect';
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0); // the injected clock starts here
const T0_S = T0 / 1000;

interface TestKey { readonly kid: string; readonly privateKey: KeyObject; readonly jwk: JsonWebKey }

function rsaKey(kid: string, modulusLength = 2048): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig' } };
}

function ecKey(kid: string, namedCurve: 'P-256' | 'P-384'): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig' } };
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT signed by hand: base64url(header).base64url(payload).base64url(signature). */
function signJwt(alg: string, key: TestKey, payload: unknown, header: Record<string, unknown> = {}): string {
  const signed = `${b64({ alg, typ: 'JWT', kid: key.kid, ...header })}.${b64(payload)}`;
  const data = Buffer.from(signed);
  const hash = `sha${alg.slice(2)}`;
  let signature: Buffer;
  if (alg.startsWith('ES')) signature = sign(hash, data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  else if (alg.startsWith('PS')) signature = sign(hash, data, { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  else signature = sign(hash, data, key.privateKey);
  return `${signed}.${signature.toString('base64url')}`;
}

const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'f3a9c2d0-user',
  preferred_username: 'alice',
  email: 'alice@hospital.example',
  iat: T0_S - 10,
  exp: T0_S + 300,
  roles: ['annotator'],
  ...extra,
});

async function expectOidcError(promise: Promise<unknown>, code: OidcErrorCode): Promise<OidcError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(OidcError);
  expect((error as OidcError).code).toBe(code);
  expect((error as OidcError).message.length).toBeGreaterThan(10);
  return error as OidcError;
}

describe('looksLikeJwt', () => {
  it('tells a JWT from an opaque API token', () => {
    expect(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe(true);
    expect(looksLikeJwt('ss_Vd4mA0x-_bQ')).toBe(false);
    expect(looksLikeJwt('a.b')).toBe(false);
    expect(looksLikeJwt('a.b.')).toBe(false); // unsigned (alg none) tokens are not taken for JWTs
    expect(looksLikeJwt('a.b.c.d')).toBe(false);
    expect(looksLikeJwt('a+b.c.d')).toBe(false);
  });
});

describe('createOidcVerifier', () => {
  const rsa = rsaKey('rsa-1');
  const rotated = rsaKey('rsa-2');
  const ec256 = ecKey('ec-256', 'P-256');
  const ec384 = ecKey('ec-384', 'P-384');
  const impostor = rsaKey('rsa-1'); // same kid as `rsa`, different key
  let served: { status: number; body: string };
  let requests = 0;
  let server: Server;
  let jwksUrl: string;
  let clock: number;

  const serve = (...keys: TestKey[]): void => {
    served = { status: 200, body: JSON.stringify({ keys: keys.map((k) => k.jwk) }) };
  };
  const verifier = (options: Partial<OidcVerifierOptions> = {}) =>
    createOidcVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl, now: () => clock, ...options });

  beforeAll(async () => {
    server = createServer((_req, res) => {
      requests++;
      res.writeHead(served.status, { 'Content-Type': 'application/json' });
      res.end(served.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/certs`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    clock = T0;
    requests = 0;
    serve(rsa, ec256, ec384);
    // jose's JWKS cache and cooldown read Date.now (the `now` option only drives exp and nbf)
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('accepts a valid RS256 token and returns an OIDC principal', async () => {
    const principal = await verifier().verify(signJwt('RS256', rsa, claims()));
    expect(principal).toEqual({ tokenId: OIDC_TOKEN_ID, name: 'alice', role: 'annotator', source: 'oidc', subject: 'f3a9c2d0-user', expiresAt: (T0_S + 300) * 1000 });
  });

  it.each([
    ['ES256', ec256],
    ['ES384', ec384],
    ['RS384', rsa],
    ['RS512', rsa],
    ['PS256', rsa],
    ['PS384', rsa],
    ['PS512', rsa],
  ] as const)('accepts a valid %s token', async (alg, key) => {
    await expect(verifier().verify(signJwt(alg, key, claims()))).resolves.toMatchObject({ name: 'alice', role: 'annotator' });
  });

  it('fetches the JWKS once and caches it for jwksCacheSeconds', async () => {
    const v = verifier({ jwksCacheSeconds: 600 });
    const token = signJwt('RS256', rsa, claims({ exp: T0_S + 3600 }));
    await v.verify(token);
    await v.verify(token);
    expect(requests).toBe(1);
    clock = T0 + 601_000;
    await v.verify(token);
    expect(requests).toBe(2);
  });

  it('rejects a wrong signature and a tampered payload', async () => {
    const v = verifier();
    await expectOidcError(v.verify(signJwt('RS256', impostor, claims())), 'bad-signature');
    const [h, , s] = signJwt('RS256', rsa, claims()).split('.');
    await expectOidcError(v.verify(`${h}.${b64(claims({ roles: ['admin'] }))}.${s}`), 'bad-signature');
    const es = signJwt('ES256', ec256, claims()).split('.');
    await expectOidcError(v.verify(`${es[0]}.${es[1]}.${Buffer.alloc(10).toString('base64url')}`), 'bad-signature');
  });

  it('rejects expired tokens, allowing the clock tolerance', async () => {
    const token = signJwt('RS256', rsa, claims({ exp: T0_S - 30 }));
    await expect(verifier().verify(token)).resolves.toMatchObject({ name: 'alice' }); // within the default 60 s
    await expectOidcError(verifier({ clockToleranceSeconds: 0 }).verify(token), 'expired');
    clock = T0 + 31_000;
    await expectOidcError(verifier().verify(token), 'expired');
    await expectOidcError(verifier().verify(signJwt('RS256', rsa, claims({ exp: undefined }))), 'malformed');
  });

  it('rejects tokens before their nbf, allowing the clock tolerance', async () => {
    await expectOidcError(verifier().verify(signJwt('RS256', rsa, claims({ nbf: T0_S + 120 }))), 'not-yet-valid');
    await expect(verifier().verify(signJwt('RS256', rsa, claims({ nbf: T0_S + 50 })))).resolves.toMatchObject({ name: 'alice' });
  });

  it('checks the issuer and the audience (a string or an array)', async () => {
    const v = verifier();
    await expectOidcError(v.verify(signJwt('RS256', rsa, claims({ iss: 'https://evil.example' }))), 'wrong-issuer');
    await expectOidcError(v.verify(signJwt('RS256', rsa, claims({ aud: 'other-app' }))), 'wrong-audience');
    await expectOidcError(v.verify(signJwt('RS256', rsa, claims({ aud: ['other-app', 'account'] }))), 'wrong-audience');
    await expectOidcError(v.verify(signJwt('RS256', rsa, claims({ aud: undefined }))), 'wrong-audience');
    await expect(v.verify(signJwt('RS256', rsa, claims({ aud: ['account', AUDIENCE] })))).resolves.toMatchObject({ name: 'alice' });
  });

  it('rejects alg none and HMAC tokens without fetching keys', async () => {
    const v = verifier();
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims({ roles: ['admin'] }))}.`;
    await expectOidcError(v.verify(unsigned), 'unsupported-alg');
    const hmac = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'rsa-1' })}.${b64(claims())}.${Buffer.from('mac').toString('base64url')}`;
    await expectOidcError(v.verify(hmac), 'unsupported-alg');
    expect(requests).toBe(0);
  });

  it('refuses a key that does not fit the algorithm', async () => {
    const token = signJwt('ES384', ec256, claims()); // kid ec-256 is a P-256 key
    await expectOidcError(verifier().verify(token), 'unknown-key');
  });

  it('rejects malformed tokens', async () => {
    const v = verifier();
    await expectOidcError(v.verify('ss_opaque'), 'malformed');
    await expectOidcError(v.verify(`${Buffer.from('{not json').toString('base64url')}.${b64(claims())}.c2ln`), 'malformed');
    await expectOidcError(v.verify(signJwt('RS256', rsa, [1, 2])), 'malformed'); // validly signed, but not a claims set
    await expectOidcError(v.verify(signJwt('RS256', rsa, claims(), { crit: ['exp'] })), 'malformed');
  });

  it('refetches the JWKS for an unknown kid (key rotation), at most once per 30 s', async () => {
    const v = verifier();
    await v.verify(signJwt('RS256', rsa, claims({ exp: T0_S + 3600 })));
    expect(requests).toBe(1);
    serve(rsa, rotated); // the IdP rotates its keys
    const fresh = signJwt('RS256', rotated, claims({ exp: T0_S + 3600 }));
    await expectOidcError(v.verify(fresh), 'unknown-key'); // fetched < 30 s ago: no refetch
    expect(requests).toBe(1);
    clock = T0 + 30_000;
    await expect(v.verify(fresh)).resolves.toMatchObject({ name: 'alice' });
    expect(requests).toBe(2);
    await expectOidcError(v.verify(signJwt('RS256', rsaKey('nobody'), claims({ exp: T0_S + 3600 }))), 'unknown-key');
    expect(requests).toBe(2);
  });

  it('reports jwks-unavailable when the JWKS cannot be fetched or read', async () => {
    const token = signJwt('RS256', rsa, claims());
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/certs`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await expectOidcError(verifier({ jwksUrl: deadUrl }).verify(token), 'jwks-unavailable');
    expect(down.message).toContain(deadUrl);
    served = { status: 503, body: 'maintenance' };
    await expectOidcError(verifier().verify(token), 'jwks-unavailable');
    served = { status: 200, body: '{"no":"keys"}' };
    await expectOidcError(verifier().verify(token), 'jwks-unavailable');
    const failingFetch: typeof fetch = () => Promise.reject(new TypeError('fetch failed'));
    await expectOidcError(verifier({ fetch: failingFetch }).verify(token), 'jwks-unavailable');
  });

  it('maps a nested role claim through roleMap and picks the most privileged role', async () => {
    const v = verifier({ roleClaim: 'realm_access.roles', roleMap: { 'ss-admin': 'admin', 'ss-labeler': 'annotator', 'ss-robot': 'service' } });
    const token = (roles: unknown) => signJwt('RS256', rsa, claims({ roles: undefined, realm_access: { roles } }));
    await expect(v.verify(token(['offline_access', 'ss-labeler']))).resolves.toMatchObject({ role: 'annotator' });
    await expect(v.verify(token(['ss-labeler', 'ss-robot']))).resolves.toMatchObject({ role: 'service' });
    await expect(v.verify(token(['ss-labeler', 'ss-admin', 'ss-robot']))).resolves.toMatchObject({ role: 'admin' });
    await expect(v.verify(token('ss-robot'))).resolves.toMatchObject({ role: 'service' });
    await expectOidcError(v.verify(token(['admin'])), 'no-role'); // a custom roleMap replaces the identity default
  });

  it('reads a claim whose name contains dots (namespaced claims) before walking a path', async () => {
    const v = verifier({ roleClaim: 'https://scanselect.example/roles' });
    await expect(v.verify(signJwt('RS256', rsa, claims({ roles: undefined, 'https://scanselect.example/roles': ['admin'] })))).resolves.toMatchObject({ role: 'admin' });
  });

  it("rejects a token without a mapped role with 'no-role'", async () => {
    const v = verifier();
    await expectOidcError(v.verify(signJwt('RS256', rsa, claims({ roles: undefined }))), 'no-role');
    await expectOidcError(v.verify(signJwt('RS256', rsa, claims({ roles: ['viewer', 'constructor', '__proto__'] }))), 'no-role');
    await expectOidcError(verifier({ roleClaim: 'realm_access.roles' }).verify(signJwt('RS256', rsa, claims())), 'no-role');
  });

  it('names the principal by preferred_username, else email, else sub', async () => {
    const v = verifier();
    await expect(v.verify(signJwt('RS256', rsa, claims({ preferred_username: undefined })))).resolves.toMatchObject({ name: 'alice@hospital.example' });
    await expect(v.verify(signJwt('RS256', rsa, claims({ preferred_username: undefined, email: undefined })))).resolves.toMatchObject({ name: 'f3a9c2d0-user' });
    await expectOidcError(v.verify(signJwt('RS256', rsa, claims({ sub: undefined }))), 'malformed');
  });

  it('rejects invalid options', () => {
    expect(() => createOidcVerifier({ issuer: '', audience: AUDIENCE, jwksUrl })).toThrow(OidcError);
    expect(() => createOidcVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'not a url' })).toThrow(/jwksUrl/);
    expect(() => createOidcVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl, roleMap: { boss: 'root' as never } })).toThrow(/unknown role "root"/);
    expect(() => createOidcVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'file:///etc/jwks.json' })).toThrow(/http/);
    expect(() => createOidcVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl, jwksTimeoutSeconds: 0 })).toThrow(/jwksTimeoutSeconds/);
    expect(() => createOidcVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl, clockToleranceSeconds: -1 })).toThrow(/clockToleranceSeconds/);
  });

  it('refuses an HS256 token whose secret is the public RSA key (algorithm confusion)', async () => {
    const v = verifier();
    const signed = `${b64({ alg: 'HS256', typ: 'JWT', kid: rsa.kid })}.${b64(claims({ roles: ['admin'] }))}`;
    const pem = createPublicKeyPem(rsa);
    for (const secret of [pem, Buffer.from(JSON.stringify(rsa.jwk)), Buffer.from(String(rsa.jwk.n), 'base64url')]) {
      const mac = createHmac('sha256', secret).update(signed).digest('base64url');
      const error = await expectOidcError(v.verify(`${signed}.${mac}`), 'unsupported-alg');
      expect(error.message).toContain('HS256');
    }
    expect(requests).toBe(0);
  });

  it('applies the configured clock tolerance to exp and nbf', async () => {
    const v = verifier({ clockToleranceSeconds: 5 });
    await expect(v.verify(signJwt('RS256', rsa, claims({ exp: T0_S - 4 })))).resolves.toMatchObject({ name: 'alice' });
    await expectOidcError(v.verify(signJwt('RS256', rsa, claims({ exp: T0_S - 5 }))), 'expired');
    await expect(v.verify(signJwt('RS256', rsa, claims({ nbf: T0_S + 5 })))).resolves.toMatchObject({ name: 'alice' });
    await expectOidcError(v.verify(signJwt('RS256', rsa, claims({ nbf: T0_S + 6 }))), 'not-yet-valid');
    await expectOidcError(v.verify(signJwt('RS256', rsa, claims({ exp: String(T0_S + 300) }))), 'malformed');
  });

  it('reports jwks-unavailable when the JWKS request times out', async () => {
    const silent = createServer(() => undefined); // accepts the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const slowUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/certs`;
      const error = await expectOidcError(verifier({ jwksUrl: slowUrl, jwksTimeoutSeconds: 0.2 }).verify(signJwt('RS256', rsa, claims())), 'jwks-unavailable');
      expect(error.message).toMatch(/timed out/);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 2_000); // well under jose's default 5 s: the test fails if jwksTimeoutSeconds is ignored

  it('shares one JWKS fetch between concurrent verifications', async () => {
    const v = verifier();
    const tokens = [signJwt('RS256', rsa, claims()), signJwt('ES256', ec256, claims()), signJwt('ES384', ec384, claims()), signJwt('PS256', rsa, claims())];
    const principals = await Promise.all(tokens.map((token) => v.verify(token)));
    expect(principals.map((p) => p.role)).toEqual(['annotator', 'annotator', 'annotator', 'annotator']);
    expect(requests).toBe(1);
  });

  it('picks the key without a kid only when exactly one key fits the algorithm', async () => {
    const anonymous = signJwt('RS256', rsa, claims(), { kid: undefined });
    await expect(verifier().verify(anonymous)).resolves.toMatchObject({ name: 'alice' }); // the only RSA key
    serve(rsa, rotated);
    await expectOidcError(verifier().verify(anonymous), 'unknown-key');
  });

  it("refuses a key whose JWK names another algorithm, and RSA keys under 2048 bits", async () => {
    served = { status: 200, body: JSON.stringify({ keys: [{ ...rsa.jwk, alg: 'RS256' }] }) };
    await expectOidcError(verifier().verify(signJwt('RS384', rsa, claims())), 'unknown-key');
    const weak = rsaKey('weak', 1024);
    serve(weak);
    await expectOidcError(verifier().verify(signJwt('RS256', weak, claims())), 'unknown-key');
  });
});

function createPublicKeyPem(key: TestKey): string {
  return createPublicKey({ key: key.jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
}
