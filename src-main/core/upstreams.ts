import type { AccessPanel, SourceConnector } from './adapters/types';
import { UpstreamError } from './adapters/types';
import type { AdapterOptions } from './adapters/adapter-spec';
import { panelSpecFor, sourceSpecFor } from './adapters/registry';
import { alarmPanelDemoFor } from './adapters/alarm-panel';
import type { AccessSystem, SourceConnection } from './db/entities';
import type { DemoUpstreams } from './demo/demo-upstreams';
import { csvSourceFor } from './csv-import';
import { ConnectionSecrets } from './secrets/connection-secrets';
import { createFileSecretStore } from './secrets/file-secret-store';

export interface UpstreamsOptions {
  /** Where connection secrets live; the encrypted file in the data folder when left out. */
  secrets?: ConnectionSecrets;
  /** Retry timing for every adapter (tests make it short). */
  adapter?: AdapterOptions;
}

/** What a connection looks like to Upstreams: enough to build its adapter. */
export interface ConnectionShape {
  id: string;
  kind: string;
  name: string;
  config: Record<string, unknown>;
  secretRef: string | null;
}

/**
 * Turns a stored connection into a live adapter, through the adapter registry, with its secrets
 * from the secret store. The embedded demo's fake systems listen on a new port each launch, so
 * demo connections without an address are resolved against the running demo, not stored URLs.
 */
export class Upstreams {
  demo: DemoUpstreams | null = null;
  /** Connector to use instead of the stored one, by connection id (dry-run previews of a new file). */
  readonly overrides = new Map<string, SourceConnector>();
  readonly secrets: ConnectionSecrets;
  private readonly adapterOptions: AdapterOptions | undefined;

  constructor(
    private readonly dataDir: string,
    opts: UpstreamsOptions = {},
  ) {
    this.secrets = opts.secrets ?? new ConnectionSecrets(createFileSecretStore({ dataDir }));
    this.adapterOptions = opts.adapter;
  }

  sourceFor(conn: SourceConnection): SourceConnector {
    const override = this.overrides.get(conn.id);
    if (override) return override;
    if (conn.kind === 'csv') return csvSourceFor(this.dataDir, conn);
    if (conn.kind === 'demo' && !conn.config?.url) {
      if (!this.demo) throw new UpstreamError('The demo property system is not running.');
      return this.demo.sourceConnector();
    }
    return this.buildSource(conn);
  }

  panelFor(system: AccessSystem): AccessPanel {
    if (system.kind === 'demo' && !system.config?.url) {
      if (!this.demo) throw new UpstreamError('The demo access system is not running.');
      return this.demo.accessPanel();
    }
    if (system.kind === 'alarm-panel' && system.config?.demo === true) {
      const fake = alarmPanelDemoFor(this);
      if (!fake) throw new UpstreamError('The demo alarm-panel service is not running.');
      return this.buildPanel(system, { ...system.config, baseUrl: fake.url }, { apiKey: fake.apiKey });
    }
    return this.buildPanel(system);
  }

  /** A connector for a configuration that is not saved (yet): the connections page's "Test". */
  sourceFromDraft(kind: string, name: string, config: Record<string, unknown>, secrets: Record<string, string>): SourceConnector {
    if (kind === 'demo' && !config.url) return this.sourceFor({ id: '', kind: 'demo', config } as unknown as SourceConnection);
    return this.buildSource({ id: '', kind, name, config, secretRef: null }, secrets);
  }

  panelFromDraft(kind: string, name: string, config: Record<string, unknown>, secrets: Record<string, string>): AccessPanel {
    if ((kind === 'demo' && !config.url) || (kind === 'alarm-panel' && config.demo === true)) {
      return this.panelFor({ id: '', kind, name, config, secretRef: null } as unknown as AccessSystem);
    }
    return this.buildPanel({ id: '', kind, name, config, secretRef: null }, config, secrets);
  }

  private buildSource(conn: ConnectionShape, draftSecrets?: Record<string, string>): SourceConnector {
    const spec = sourceSpecFor(conn.kind);
    if (!spec) throw new UpstreamError(`No adapter is installed for ${conn.kind} sources.`);
    const config = this.parseConfig(conn, spec.configSchema, conn.config);
    return spec.create(config, draftSecrets ?? this.secretsOf(conn), this.adapterOptions);
  }

  private buildPanel(system: ConnectionShape, rawConfig = system.config, secrets?: Record<string, string>): AccessPanel {
    const spec = panelSpecFor(system.kind);
    if (!spec) throw new UpstreamError(`No adapter is installed for ${system.kind} access systems.`);
    const config = this.parseConfig(system, spec.configSchema, rawConfig);
    return spec.create(config, secrets ?? this.secretsOf(system), this.adapterOptions);
  }

  private secretsOf(conn: ConnectionShape): Record<string, string> {
    const failure = this.secrets.failure(conn.secretRef);
    if (failure) throw new UpstreamError(`The stored secrets of ${conn.name} could not be read: ${failure}`);
    return this.secrets.peek(conn.secretRef);
  }

  private parseConfig(conn: ConnectionShape, schema: { safeParse(v: unknown): { success: boolean; data?: unknown; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, raw: Record<string, unknown>) {
    const parsed = schema.safeParse(raw ?? {});
    if (!parsed.success) {
      const issue = parsed.error?.issues[0];
      const where = issue?.path.length ? `${issue.path.map(String).join('.')}: ` : '';
      throw new UpstreamError(`The settings of ${conn.name || 'this connection'} are not valid (${where}${issue?.message ?? 'invalid'}).`);
    }
    return parsed.data;
  }
}
