import { authModeOf, bearerToken } from './authSource';

const OIDC = [{ authority: 'http://idp', client_id: 'viewer', redirect_uri: 'http://viewer/viewer/callback', response_type: 'code' }];

describe('authModeOf', () => {
  it('is oidc only when the server asks for it and OHIF has an OIDC client', () => {
    expect(authModeOf({ scanselect: { auth: 'oidc' }, oidc: OIDC })).toBe('oidc');
    expect(authModeOf({ scanselect: { auth: 'token' }, oidc: OIDC })).toBe('token');
    expect(authModeOf({ scanselect: { auth: 'oidc' } })).toBe('token'); // OHIF could not sign in: the dialog is the way in
    expect(authModeOf({ scanselect: { auth: 'oidc' }, oidc: [] })).toBe('token');
    expect(authModeOf({ scanselect: {} })).toBe('token');
    expect(authModeOf(undefined)).toBe('token');
  });
});

describe('bearerToken', () => {
  const now = 1_700_000_000;
  const user = { access_token: 'eyJ.access.token', expires_at: now + 300, id_token: 'eyJ.id.token' };

  it('in token mode is the stored API token, whatever OHIF holds', () => {
    expect(bearerToken('token', { stored: 'api-token', user, nowSeconds: now })).toBe('api-token');
    expect(bearerToken('token', { stored: null, user, nowSeconds: now })).toBeNull();
    expect(bearerToken('token', { stored: '', user: null, nowSeconds: now })).toBeNull();
  });

  it('in oidc mode is the OHIF user\'s access token, never the stored one', () => {
    expect(bearerToken('oidc', { stored: 'api-token', user, nowSeconds: now })).toBe('eyJ.access.token');
    expect(bearerToken('oidc', { stored: 'api-token', user: { access_token: 'x' }, nowSeconds: now })).toBe('x'); // no expiry given
  });

  it('in oidc mode is null before the sign-in completes, for an expired token, and for a user without one', () => {
    expect(bearerToken('oidc', { stored: 'api-token', user: null, nowSeconds: now })).toBeNull();
    expect(bearerToken('oidc', { stored: 'api-token', user: undefined, nowSeconds: now })).toBeNull();
    expect(bearerToken('oidc', { stored: null, user, nowSeconds: now + 300 })).toBeNull();
    expect(bearerToken('oidc', { stored: null, user: { expires_at: now + 300 }, nowSeconds: now })).toBeNull();
    expect(bearerToken('oidc', { stored: null, user: { access_token: 42 }, nowSeconds: now })).toBeNull();
  });
});
