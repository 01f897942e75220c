import type { AccessPanel, SourceConnector } from './adapters/types';
import { UpstreamError } from './adapters/types';
import type { AccessSystem, SourceConnection } from './db/entities';
import type { DemoUpstreams } from './demo/demo-upstreams';
import { csvSourceFor } from './csv-import';

/**
 * Turns a stored connection into a live adapter. The demo's fake systems listen on a new port
 * each launch, so demo connections are resolved against the running demo rather than stored URLs.
 */
export class Upstreams {
  demo: DemoUpstreams | null = null;
  /** Connector to use instead of the stored one, by connection id (dry-run previews of a new file). */
  readonly overrides = new Map<string, SourceConnector>();

  constructor(private readonly dataDir: string) {}

  sourceFor(conn: SourceConnection): SourceConnector {
    const override = this.overrides.get(conn.id);
    if (override) return override;
    if (conn.kind === 'csv') return csvSourceFor(this.dataDir, conn);
    if (conn.kind === 'demo') {
      if (!this.demo) throw new UpstreamError('The demo property system is not running.');
      return this.demo.sourceConnector();
    }
    throw new UpstreamError(`No adapter is installed for ${conn.kind} sources yet.`);
  }

  panelFor(system: AccessSystem): AccessPanel {
    if (system.kind === 'demo') {
      if (!this.demo) throw new UpstreamError('The demo access system is not running.');
      return this.demo.accessPanel();
    }
    throw new UpstreamError(`No adapter is installed for ${system.kind} access systems yet.`);
  }
}
