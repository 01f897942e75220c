import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SourceMap } from 'node:module';

/** A V8 call frame as the inspector reports it (CPU and heap profiles alike). */
export interface FrameLike {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

const SHORT_SOURCE = /^.*?(src-main\/|bench\/|node_modules\/)/;

/**
 * Maps positions in the bench bundle (bench/out, built with source maps) back to the source
 * files, so the profilers name src-main/ lines instead of bundle offsets.
 */
export class BundleSources {
  private readonly maps = new Map<string, SourceMap | null>();

  private mapFor(url: string): SourceMap | null {
    if (this.maps.has(url)) return this.maps.get(url)!;
    let map: SourceMap | null = null;
    try {
      const path = url.startsWith('file:') ? fileURLToPath(url) : url;
      if (existsSync(`${path}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
    } catch {
      map = null;
    }
    this.maps.set(url, map);
    return map;
  }

  /** "name  src-main/file.ts:line" for a frame (its definition, for the sampling profilers). */
  where(f: FrameLike): string {
    const name = f.functionName || '(anonymous)';
    if (!f.url) return name;
    const entry = this.mapFor(f.url)?.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
    if (entry?.originalSource) return `${name}  ${entry.originalSource.replace(SHORT_SOURCE, '$1')}:${(entry.originalLine ?? 0) + 1}`;
    return `${name}  ${f.url.replace(/^.*?(node_modules\/|bench\/|node:)/, '$1')}:${f.lineNumber + 1}`;
  }

  /** Source file:line of a generated line (1-based), or null outside the bundle's own sources. */
  sourceLine(url: string, line1: number): string | null {
    // The bundle is not minified, so a generated line maps to one source line: take its last segment.
    const entry = this.mapFor(url)?.findEntry(line1 - 1, 10_000) as { originalSource?: string; originalLine?: number } | undefined;
    if (!entry?.originalSource) return null;
    return `${entry.originalSource.replace(SHORT_SOURCE, '$1')}:${(entry.originalLine ?? 0) + 1}`;
  }
}
