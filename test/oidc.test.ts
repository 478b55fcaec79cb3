/**
 * OIDC sign-in through the HTTP API: the identity provider's RS256 JWTs (JWKS served from a
 * local server) are accepted as bearer tokens next to API tokens, with the role claim mapped to
 * ScanSelect roles; forged or expired tokens are 401; an unreachable JWKS is 503.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from './harness/serverHarness';

const ISSUER = 'https://idp.hospital.example/realms/radiology';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const forger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
let jwks: http.Server;
let t: TestServer;

function jwt(payload: Record<string, unknown>, key: KeyObject = privateKey): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const signed = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${b64(payload)}`;
  return `${signed}.${sign('sha256', Buffer.from(signed), key).toString('base64url')}`;
}
const now = Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown>) => ({ iss: ISSUER, aud: 'scanselect', sub: 'u-1', preferred_username: 'dr.alice', iat: now, exp: now + 600, ...extra });

beforeAll(async () => {
  jwks = http.createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/certs`;
  t = await startTestServer({
    sources: { folder: { kind: 'folder', path: 'empty' } },
    projects: [{ name: 'p', source: 'folder', classes: ['lung'], budget: { coldStart: 2, perRound: 1, total: 4 } }],
    oidc: { issuer: ISSUER, audience: 'scanselect', jwksUrl, roleClaim: 'realm_access.roles', roleMap: { 'scanselect-admin': 'admin', radiologist: 'annotator' } },
  });
});
afterAll(async () => {
  await t.dispose();
  await new Promise((r) => jwks.close(r));
});

describe('OIDC bearer tokens', () => {
  it('maps the IdP roles and audits the user by name', async () => {
    const radiologist = jwt(claims({ realm_access: { roles: ['radiologist', 'offline_access'] } }));
    expect((await t.call('GET', '/api/projects', { token: radiologist })).status).toBe(200);
    expect((await t.call('GET', '/api/tokens', { token: radiologist })).status).toBe(403);
    const admin = jwt(claims({ preferred_username: 'dr.bob', realm_access: { roles: ['radiologist', 'scanselect-admin'] } }));
    expect((await t.call('PATCH', '/api/projects/1', { token: admin, json: { alpha: 0.4 } })).status).toBe(200);
    expect((await t.call('GET', '/api/audit', { role: 'admin' })).json[0]).toMatchObject({ actor: 'dr.bob', action: 'project.update' });
    expect((await t.call('GET', '/api/projects', { role: 'service' })).status).toBe(200); // API tokens still work
  });

  it('answers 401 for forged, expired, foreign or role-less tokens', async () => {
    const cases: Array<[string, string]> = [
      ['forged', jwt(claims({ realm_access: { roles: ['radiologist'] } }), forger)],
      ['expired', jwt(claims({ exp: now - 3600, realm_access: { roles: ['radiologist'] } }))],
      ['another audience', jwt(claims({ aud: 'pacs', realm_access: { roles: ['radiologist'] } }))],
      ['no mapped role', jwt(claims({ realm_access: { roles: ['offline_access'] } }))],
    ];
    for (const [what, token] of cases) {
      const r = await t.call('GET', '/api/projects', { token });
      expect([what, r.status, r.json.code]).toEqual([what, 401, 'unauthorized']);
    }
  });

  it('answers 503 when the identity provider cannot be reached', async () => {
    const down = await startTestServer({
      sources: { folder: { kind: 'folder', path: 'empty' } },
      oidc: { issuer: ISSUER, audience: 'scanselect', jwksUrl: 'http://127.0.0.1:9/certs', roleClaim: 'realm_access.roles', roleMap: { radiologist: 'annotator' } },
    });
    try {
      const r = await down.call('GET', '/api/projects', { token: jwt(claims({ realm_access: { roles: ['radiologist'] } })) });
      expect([r.status, r.json.code]).toEqual([503, 'identity-provider-unavailable']);
      expect((await down.call('GET', '/api/projects', { role: 'annotator' })).status).toBe(200); // API tokens do not need the IdP
    } finally {
      await down.dispose();
    }
  });
});
