/**
 * Payload encryption as Temporal documents it: a PayloadCodec on the worker and on every client that
 * encrypts each payload whole (the serialized Payload, metadata included) with AES-256-GCM, and records
 * the key's id in the payload's metadata, so payloads written under an older key still decrypt after a
 * rotation. Codecs run outside the workflow sandbox: the workflow code never sees ciphertext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ValueError, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CodecSettings } from '../config';

/** The metadata Temporal's encryption samples use, so the codec server and tools recognise the payloads. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly settings: CodecSettings) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { keyId } = this.settings;
    if (keyId === undefined) return payloads;
    const key = this.settings.keys[keyId]!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: text(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text(keyId) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (str(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyId = str(payload.metadata?.[KEY_ID_METADATA]) ?? '';
      const key = this.settings.keys[keyId];
      if (!key) {
        throw new ValueError(
          `a payload is encrypted with key id "${keyId}", which this process does not have: set it as TEMPORAL_CODEC_KEY or list it in TEMPORAL_CODEC_OLD_KEYS`,
        );
      }
      const data = Buffer.from(payload.data ?? []);
      if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError(`an encrypted payload (key id "${keyId}") is truncated`);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new ValueError(`an encrypted payload does not decrypt with key id "${keyId}": a different key under the same id?`);
      }
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}

// failureConverter.ts when run from source (tsx, tests), failureConverter.js when compiled.
export const FAILURE_CONVERTER_PATH = ['failureConverter.ts', 'failureConverter.js']
  .map((file) => path.join(__dirname, file))
  .find((file) => fs.existsSync(file))!;

/**
 * The data converter for the worker and every client: failures as encoded attributes, payloads encrypted
 * when a key is set. Without keys the codec still runs, encrypting nothing: an encrypted payload met by a
 * process without the key then fails with a sentence naming the key id, not "Unknown encoding".
 */
export function dataConverterFor(codec: CodecSettings | undefined): DataConverter {
  return {
    failureConverterPath: FAILURE_CONVERTER_PATH,
    payloadCodecs: [new AesGcmPayloadCodec(codec ?? { keys: {} })],
  };
}
