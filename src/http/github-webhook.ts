// POST /hooks/github: GitHub's webhook deliveries. No token: the signature (HMAC-SHA256 of the raw body under the
// linked repository's secret) is the credential, so this is the one write that passes the auth gate untouched.
import type { Context } from 'hono';
import { DomainError } from '../core/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { MAX_DELIVERY_BYTES } from '../service/github.js';

function tooLarge(): DomainError {
  return new DomainError('VALIDATION_FAILED', `the delivery is larger than ${MAX_DELIVERY_BYTES} bytes`, 'GitHub caps webhook payloads at 25 MB.', {
    field: 'body',
  });
}

/** The raw body, exactly as sent (the signature covers its bytes), read up to the cap. */
async function rawBody(req: Request): Promise<Uint8Array> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > MAX_DELIVERY_BYTES) throw tooLarge();
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_DELIVERY_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

export function githubWebhook(runtime: Runtime) {
  return async (c: Context) => {
    const req = c.req.raw;
    const outcome = await runtime.sortie.receiveGithubDelivery({
      event: req.headers.get('x-github-event'),
      deliveryId: req.headers.get('x-github-delivery'),
      signature: req.headers.get('x-hub-signature-256'),
      contentType: req.headers.get('content-type'),
      body: await rawBody(req),
    });
    return c.json(outcome, 200);
  };
}
