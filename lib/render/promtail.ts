import { LEVEL_JMESPATH, LEVEL_TEMPLATE, LokiClientOptions, REPLAY_MAX_AGE, podLogRelabelRules } from './alloy';
import { toYaml } from './yaml';

/**
 * Promtail configuration (YAML), the same pipeline as the Alloy one (lib/render/alloy.ts):
 * this node's pod log files, namespace/pod/container/node/app labels, CRI parsing, a
 * normalised `level` label from JSON lines, `filename` dropped.
 *
 * Promtail reached end of life on 2026-03-02 (pinned to its last release, 3.6.11): it is
 * kept for users of the original design; new installs use Alloy (docs/logging.md).
 *
 * Fields were checked against the Promtail configuration reference and pipeline stage
 * docs of Loki 3.x (docs/sources/send-data/promtail/configuration.md, stages/*.md):
 * `server.http_listen_port`, `positions.filename`, `clients[].url`,
 * `scrape_configs[].kubernetes_sd_configs[].role`, `relabel_configs`, `pipeline_stages`
 * with `cri: {}`, `drop: {older_than, drop_counter_reason}`, `json: {expressions}`,
 * `template: {source, template}`, `labels: {level: ''}`, `labeldrop: [...]`.
 *
 * Node filtering uses Promtail's `__host__` label: Promtail tails only targets whose
 * `__host__` equals its hostname (the HOSTNAME variable, set to the node name). No
 * `-config.expand-env`: it would also expand the `$1` of the path replacement and the
 * `$l` of the level template.
 */

export const PROMTAIL_HTTP_PORT = 3101;
export const PROMTAIL_POSITIONS_DIR = '/run/promtail';

export interface PromtailRenderInput extends LokiClientOptions {
  /** Loki's push URL, e.g. `http://loki.monitoring.svc:3100/loki/api/v1/push`. */
  readonly lokiPushUrl: string;
  /** @default /var/log/pods */
  readonly podLogsDir?: string;
  /** @default 'info' */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export function renderPromtailConfig(input: PromtailRenderInput): Record<string, unknown> {
  let url: URL;
  try {
    url = new URL(input.lokiPushUrl);
  } catch {
    throw new Error(`promtail.lokiPushUrl: "${input.lokiPushUrl}" is not a URL; use e.g. "http://loki.monitoring.svc:3100/loki/api/v1/push"`);
  }
  if (url.pathname !== '/loki/api/v1/push') throw new Error(`promtail.lokiPushUrl: "${input.lokiPushUrl}" must end with /loki/api/v1/push (Loki's push API)`);

  const relabel = [
    { source_labels: ['__meta_kubernetes_pod_node_name'], target_label: '__host__' },
    ...podLogRelabelRules(input.podLogsDir).map((r) => {
      const out: Record<string, unknown> = { source_labels: [...r.sourceLabels] };
      if (r.separator !== undefined) out.separator = r.separator;
      if (r.regex !== undefined) out.regex = r.regex;
      if (r.replacement !== undefined) out.replacement = r.replacement;
      out.target_label = r.targetLabel;
      return out;
    }),
  ];

  return {
    server: { http_listen_port: PROMTAIL_HTTP_PORT, grpc_listen_port: 0, log_level: input.logLevel ?? 'info' },
    positions: { filename: `${PROMTAIL_POSITIONS_DIR}/positions.yaml` },
    clients: [
      {
        url: input.lokiPushUrl,
        ...(input.tenantId !== undefined ? { tenant_id: input.tenantId } : {}),
        ...(input.tls ? { tls_config: { ca_file: input.tls.caFile, cert_file: input.tls.certFile, key_file: input.tls.keyFile } } : {}),
        ...(input.externalLabels && Object.keys(input.externalLabels).length > 0 ? { external_labels: { ...input.externalLabels } } : {}),
      },
    ],
    scrape_configs: [
      {
        job_name: 'kubernetes-pods',
        kubernetes_sd_configs: [{ role: 'pod' }],
        relabel_configs: relabel,
        pipeline_stages: [
          { cri: {} },
          { drop: { older_than: REPLAY_MAX_AGE, drop_counter_reason: 'replayed_older_than_1h' } },
          { json: { expressions: { level: LEVEL_JMESPATH } } },
          { template: { source: 'level', template: LEVEL_TEMPLATE } },
          { labels: { level: '' } },
          { labeldrop: ['filename'] },
        ],
      },
    ],
  };
}

export function renderPromtailYaml(input: PromtailRenderInput): string {
  return toYaml(renderPromtailConfig(input));
}
