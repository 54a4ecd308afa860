import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { verifyAuthenticationResponse } from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import {
  amrOf,
  causeOf,
  counterAccepted,
  parseAuthenticationResponse,
  parseRegistrationResponse,
  transportsOf,
} from './webauthn';

const b64 = (v: string | Uint8Array) => Buffer.from(v).toString('base64url');
const clientData = (o: Record<string, unknown>) => b64(JSON.stringify(o));
const CLIENT_DATA = { type: 'webauthn.get', challenge: 'c'.repeat(43), origin: 'https://a.test' };

function assertion(
  overrides: Record<string, unknown> = {},
  response: Record<string, unknown> = {},
) {
  return JSON.stringify({
    id: 'Y3JlZA',
    rawId: 'Y3JlZA',
    type: 'public-key',
    clientExtensionResults: {},
    response: {
      clientDataJSON: clientData(CLIENT_DATA),
      authenticatorData: 'AAAA',
      signature: 'AAAA',
      ...response,
    },
    ...overrides,
  });
}

describe('the signature counter rule', () => {
  it.each([
    [0, 0, true, 'an authenticator that keeps no counter'],
    [0, 1, true, 'the first use of a counting authenticator'],
    [5, 6, true, 'the next use'],
    [5, 100, true, 'a jump forward (uses elsewhere)'],
    [5, 5, false, 'the same counter again (a replay or a clone)'],
    [5, 4, false, 'a counter that went back'],
    [5, 0, false, 'a counting authenticator that stopped counting'],
    [0xffffffff, 0xffffffff, false, 'the top, again'],
  ])('stored %i, received %i: %s (%s)', (stored, received, accepted) => {
    expect(counterAccepted(stored, received)).toBe(accepted);
  });
});

describe('parsing responses', () => {
  it('takes a well-formed authentication response and reads its client data', () => {
    const parsed = parseAuthenticationResponse(assertion());
    expect(parsed?.clientData).toEqual(CLIENT_DATA);
    expect(parsed?.response.id).toBe('Y3JlZA');
  });

  it.each<[string, string]>([
    ['not JSON', '{"id":'],
    ['not an object', '[1]'],
    ['too long', assertion({ padding: 'x'.repeat(20_000) })],
    ['no id', assertion({ id: undefined })],
    ['an id that is not base64url', assertion({ id: 'a+b/', rawId: 'a+b/' })],
    ['rawId other than id', assertion({ rawId: 'b3RoZXI' })],
    ['an overlong credential id', assertion({ id: 'A'.repeat(1365), rawId: 'A'.repeat(1365) })],
    ['another type', assertion({ type: 'password' })],
    ['extension results that are not an object', assertion({ clientExtensionResults: 'x' })],
    ['no signature', assertion({}, { signature: undefined })],
    ['a user handle that is not base64url', assertion({}, { userHandle: 'not base64!' })],
    ['client data that is not JSON', assertion({}, { clientDataJSON: b64('nope') })],
    [
      'client data without a challenge',
      assertion({}, { clientDataJSON: clientData({ type: 'webauthn.get', origin: 'x' }) }),
    ],
  ])('refuses %s', (_label, json) => {
    expect(parseAuthenticationResponse(json)).toBeNull();
  });

  it('takes a registration response with its attestation, keeping known transports only', () => {
    const json = JSON.stringify({
      id: 'Y3JlZA',
      rawId: 'Y3JlZA',
      type: 'public-key',
      response: {
        clientDataJSON: clientData({ ...CLIENT_DATA, type: 'webauthn.create' }),
        attestationObject: 'o2NmbXQ',
        transports: ['usb', 'usb', 'carrier-pigeon', 7, 'internal'],
      },
    });
    const parsed = parseRegistrationResponse(json);
    expect(parsed?.response.response.transports).toEqual(['usb', 'internal']);
    expect(parsed?.response.clientExtensionResults).toEqual({});
    expect(parseRegistrationResponse(assertion())).toBeNull(); // no attestation object
  });

  it('keeps transports a browser may name, each once', () => {
    expect(transportsOf(['hybrid', 'nfc', 'nfc', 'smart-card', 'ble', 'cable'])).toEqual([
      'hybrid',
      'nfc',
      'smart-card',
      'ble',
      'cable',
    ]);
    expect(transportsOf('usb')).toEqual([]);
  });
});

describe('what is recorded', () => {
  it('names single-device keys hardware keys and synced ones software keys (RFC 8176)', () => {
    expect(amrOf('singleDevice')).toBe('hwk');
    expect(amrOf('multiDevice')).toBe('swk');
  });

  it('tells origin and RP id refusals apart, without keeping the message', () => {
    expect(causeOf({ code: 'UNEXPECTED_ORIGIN', message: 'https://evil' })).toBe('origin');
    expect(causeOf({ code: 'UNEXPECTED_RP_ID' })).toBe('rp_id');
    expect(causeOf(new Error('Unexpected authentication response challenge "x"'))).toBe(
      'verification',
    );
    expect(causeOf(null)).toBe('verification');
  });
});

/**
 * Most authenticators sign with ES256, whose DER signatures the library unwraps with
 * @peculiar/asn1-schema. Its schemas live in a per-copy registry: with two copies installed (one
 * for the library, another for @peculiar/asn1-ecc), every ES256 assertion fails ("Cannot get
 * schema for 'ECDSASigValue'"). This fails on such a dependency tree (fix: one copy, by an npm
 * `overrides` entry for @peculiar/asn1-schema).
 */
it('the WebAuthn library verifies an ES256 assertion on this dependency tree', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]),
  );
  const authData = Buffer.concat([
    createHash('sha256').update('a.test').digest(),
    Buffer.from([0x01, 0, 0, 0, 1]),
  ]);
  const clientDataJSON = Buffer.from(JSON.stringify(CLIENT_DATA));
  const signature = sign(
    'sha256',
    Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]),
    privateKey,
  );
  const result = await verifyAuthenticationResponse({
    response: {
      id: 'Y3JlZA',
      rawId: 'Y3JlZA',
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64(clientDataJSON),
        authenticatorData: b64(authData),
        signature: b64(signature),
      },
    },
    expectedChallenge: CLIENT_DATA.challenge,
    expectedOrigin: CLIENT_DATA.origin,
    expectedRPID: 'a.test',
    credential: { id: 'Y3JlZA', publicKey: new Uint8Array(cose), counter: 0 },
    requireUserVerification: false,
  });
  expect(result.verified).toBe(true);
});
