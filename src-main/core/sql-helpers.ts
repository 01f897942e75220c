/** Escapes LIKE wildcards so a search for "50%" or "a_b" means what the person typed. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function bool(v: unknown): boolean {
  return v === 1 || v === true || v === '1';
}

export function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
