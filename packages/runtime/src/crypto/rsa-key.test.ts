import { generateRsaKey } from './rsa-key.js';

describe('generateRsaKey', () => {
  it('generates an RSA private key of the requested size', async () => {
    const key = await generateRsaKey(1024);
    expect(key.type).toBe('private');
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(1024);
  });
});
