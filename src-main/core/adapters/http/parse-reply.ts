import type { z } from 'zod';
import { parseJson } from './upstream-http';
import type { HttpReply } from './upstream-http';

/**
 * Reads a JSON reply against its schema. Every JSON adapter words an unusable answer the same
 * way (cut-off JSON, or the first schema issue with its path), but names its own system in the
 * message, so the caller passes `unusable` to build the error it throws.
 */
export function parseReply<T>(reply: HttpReply, schema: z.ZodType<T>, unusable: (why: string) => Error): T {
  const parsed = parseJson(reply.text);
  if (!parsed.ok) throw unusable('the answer is not complete JSON (it may have been cut off)');
  const result = schema.safeParse(parsed.value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw unusable(`${issue.path.length ? issue.path.join('.') : 'the answer'}: ${issue.message}`);
  }
  return result.data;
}
