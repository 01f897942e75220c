import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ApiError } from '../../contract/errors';

/**
 * Alarm user codes disarm buildings, so the database keeps them sealed: AES-256-GCM under a key
 * that lives in the secret store (the OS keychain on the desktop), never next to the data. A
 * sealed value is text, so it fits the existing TEXT columns:
 *
 *   sealed:v1:<base64 iv>:<base64 tag>:<base64 ciphertext>
 *
 * Every seal draws a fresh IV, so one code sealed twice gives two different texts: codes can only
 * be compared after unsealing, never in SQL. A value without the prefix is a clear code written
 * before codes were sealed; it is read as is and sealed on its next write.
 */
export const SEALED_CODE_PREFIX = 'sealed:v1:';

/** The key is AES-256: 32 random bytes. */
export const CODE_KEY_BYTES = 32;

/**
 * Additional data bound into every seal: a value sealed for something else under the same key
 * will not open as an alarm code. Not bound to the row, on purpose: rows may be re-keyed (a
 * person merged into another) by code that knows nothing of sealing.
 */
const AAD = Buffer.from('rollcall:alarm-user-code:v1', 'utf8');

/** Codes on the wire are 4–8 digits; anything else unsealed or clear is damage, not a code. */
const CLEAR_CODE = /^\d{4,8}$/;

/** A stored code that cannot be read back. The message never holds the code or the sealed text. */
export class CodeUnreadableError extends ApiError {
  constructor(message: string) {
    super('internal', message);
    this.name = 'CodeUnreadableError';
  }
}

export function isSealedCode(stored: string): boolean {
  return stored.startsWith(SEALED_CODE_PREFIX);
}

export class CodeSealer {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== CODE_KEY_BYTES) throw new Error(`An alarm code key is ${CODE_KEY_BYTES} bytes.`);
    // Our own copy: the caller's buffer may be reused or zeroed.
    this.key = Buffer.from(key);
  }

  static freshKey(): Buffer {
    return randomBytes(CODE_KEY_BYTES);
  }

  seal(code: string): string {
    if (!CLEAR_CODE.test(code)) throw new Error('Only a 4–8 digit alarm code can be sealed.');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(AAD);
    const data = Buffer.concat([cipher.update(code, 'utf8'), cipher.final()]);
    return `${SEALED_CODE_PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${data.toString('base64')}`;
  }

  /**
   * The clear code of a stored value (a legacy clear one as is). `what` names the value for the
   * error ("the stored code of Ana Lopez") and must never be the code itself.
   */
  unseal(stored: string, what: string): string {
    if (!isSealedCode(stored)) return readClearCode(stored, what);
    const parts = stored.slice(SEALED_CODE_PREFIX.length).split(':');
    try {
      if (parts.length !== 3) throw new Error('shape');
      const [iv, tag, data] = parts.map((p) => Buffer.from(p, 'base64'));
      if (iv.length !== 12 || tag.length !== 16) throw new Error('shape');
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAAD(AAD);
      decipher.setAuthTag(tag);
      const code = Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
      if (!CLEAR_CODE.test(code)) throw new Error('shape');
      return code;
    } catch {
      throw new CodeUnreadableError(
        `${capital(what)} could not be unsealed: it was altered in the database, or sealed with another key than the one in the secret store. Nothing was changed and no new code was made.`,
      );
    }
  }
}

/** A value stored before codes were sealed. */
export function readClearCode(stored: string, what: string): string {
  if (CLEAR_CODE.test(stored)) return stored;
  throw new CodeUnreadableError(`${capital(what)} is damaged in the database: it is neither a code nor a sealed code.`);
}

function capital(s: string) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
