import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** SHA-256 hex of a string: how tokens and session ids are stored. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A random URL-safe secret with `bytes` bytes of entropy. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Compares two strings in constant time. */
export function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** AES-256-GCM box for secret fields of resources. */
export interface SecretBox {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}

const PREFIX = 'enc:v1:';

/** Builds a box from a 32-byte key. Sealed values look like `enc:v1:<iv>.<tag>.<ciphertext>`. */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${PREFIX}${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${ct.toString('base64url')}`;
    },
    decrypt(sealed) {
      if (!sealed.startsWith(PREFIX)) throw new Error('not a sealed value');
      const [iv, tag, ct] = sealed.slice(PREFIX.length).split('.');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv ?? '', 'base64url'));
      decipher.setAuthTag(Buffer.from(tag ?? '', 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct ?? '', 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/**
 * The key for secret fields: `ETHOS_SECRET_KEY` (64 hex chars or base64 of 32 bytes), else a key
 * file in the data directory, created with mode 0600 on first use.
 */
export function loadSecretKey(envValue: string | undefined, dataDir: string): Buffer {
  if (envValue) {
    const key = /^[0-9a-fA-F]{64}$/.test(envValue) ? Buffer.from(envValue, 'hex') : Buffer.from(envValue, 'base64');
    if (key.length !== 32) throw new Error('ETHOS_SECRET_KEY must be 32 bytes: 64 hex characters or base64');
    return key;
  }
  const file = path.join(dataDir, 'secret.key');
  if (fs.existsSync(file)) return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
  fs.mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  fs.writeFileSync(file, key.toString('hex'), { mode: 0o600, flag: 'wx' });
  return key;
}
