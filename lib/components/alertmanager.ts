import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { IMAGES } from '../images';
import { ComponentChart, StackContext } from '../k8s/component';
import { disruptionBudget } from '../k8s/disruption-budget';
import { endpointEgress, Endpoint, hostPortEndpoint, networkPolicy, Peer } from '../k8s/network-policy';
import { ServiceRef } from '../k8s/service-ref';
import { CONFIG_RELOADER_PORT, configReloader, container, httpProbe, volumeClaimTemplate } from '../k8s/workload';
import { alertmanagerAlerts } from '../observability/alerts/stack';
import { ScrapeTarget } from '../observability/scrape-target';
import { alertmanagerConfigYaml, AlertmanagerConfigInput, alertmanagerInput, alertmanagerSecretKeys, SecretKeyRequirement } from '../render/alertmanager';
import type { AlertmanagerRef } from '../render/prometheus';

export const ALERTMANAGER_PORT = 9093;
export const ALERTMANAGER_MESH_PORT = 9094;
const CONFIG_DIR = '/etc/alertmanager/config';
const SECRETS_DIR = '/etc/alertmanager/secrets';
const DATA_DIR = '/alertmanager';

/** Where the receivers Secret is mounted in the Alertmanager container. */
export const ALERTMANAGER_SECRETS_DIR = SECRETS_DIR;

export interface AlertmanagerProps {
  /** Who sends alerts and reads the API (Prometheus, Grafana). */
  readonly clients: readonly Peer[];
  /** Who scrapes its metrics. */
  readonly scrapers: readonly Peer[];
}

/**
 * Alertmanager, clustered (gossip over the headless Service) so that every replica gets
 * every alert from every Prometheus and notifications are deduplicated across replicas.
 */
export class AlertmanagerChart extends ComponentChart {
  readonly service: ServiceRef;
  readonly headless: ServiceRef;
  /** For Prometheus's `alerting` section: every replica through the headless Service. */
  readonly alertmanagerRef: AlertmanagerRef;
  readonly configInput: AlertmanagerConfigInput;
  readonly configYaml: string;
  /** Exactly the keys of the receivers Secret the config reads (each one is mounted). */
  readonly secretKeys: readonly SecretKeyRequirement[];

  constructor(scope: Construct, ctx: StackContext, props: AlertmanagerProps) {
    super(scope, ctx, 'alertmanager', 'alerting');
    const cfg = ctx.config.alertmanager;
    const name = 'alertmanager';
    const headlessName = 'alertmanager-headless';

    this.configInput = alertmanagerInput(cfg, SECRETS_DIR);
    this.configYaml = alertmanagerConfigYaml(this.configInput);
    this.secretKeys = alertmanagerSecretKeys(this.configInput);

    const target = new ScrapeTarget({ name, port: ALERTMANAGER_PORT, portName: 'web' });
    const annotations = this.addScrapeTarget(target);
    // The config reloader's metrics: the `config-reloader` job (and its PodMonitor) scrape them.
    this.addMetricsPort(CONFIG_RELOADER_PORT);
    const { upstreamRunbooks, thresholds } = ctx.config.alerts;
    this.addRuleGroups([alertmanagerAlerts({ runbookBaseUrl: ctx.config.runbookBaseUrl, upstreamRunbooks, thresholds, job: name, expectedMembers: cfg.replicas })]);

    new k8s.KubeConfigMap(this, 'config', { metadata: this.meta('alertmanager-config'), data: { 'alertmanager.yml': this.configYaml } });

    const peers = Array.from({ length: cfg.replicas }, (_, i) => `--cluster.peer=${name}-${i}.${headlessName}.${this.ns}.svc:${ALERTMANAGER_MESH_PORT}`);
    const clustered = cfg.replicas > 1;
    const args = [
      `--config.file=${CONFIG_DIR}/alertmanager.yml`,
      `--storage.path=${DATA_DIR}`,
      `--web.listen-address=:${ALERTMANAGER_PORT}`,
      '--web.route-prefix=/',
      ...(cfg.externalUrl ? [`--web.external-url=${cfg.externalUrl}`] : []),
      // A single replica runs without the gossip mesh (an empty listen address disables it).
      ...(clustered ? [`--cluster.listen-address=0.0.0.0:${ALERTMANAGER_MESH_PORT}`, `--cluster.advertise-address=$(POD_IP):${ALERTMANAGER_MESH_PORT}`, ...peers] : ['--cluster.listen-address=']),
    ];

    const alertmanager = container({
      name: 'alertmanager',
      image: IMAGES.alertmanager,
      args,
      env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
      ports: [
        { name: 'web', containerPort: ALERTMANAGER_PORT },
        ...(clustered ? [{ name: 'mesh-tcp', containerPort: ALERTMANAGER_MESH_PORT }, { name: 'mesh-udp', containerPort: ALERTMANAGER_MESH_PORT, protocol: 'UDP' as const }] : []),
      ],
      resources: cfg.resources,
      readinessProbe: httpProbe({ path: '/-/ready', port: 'web', periodSeconds: 5 }),
      livenessProbe: httpProbe({ path: '/-/healthy', port: 'web', periodSeconds: 15 }),
      volumeMounts: [
        { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
        { name: 'receivers', mountPath: SECRETS_DIR, readOnly: true },
        { name: 'data', mountPath: DATA_DIR },
      ],
    });
    const reloader = configReloader({
      reloadUrl: `http://127.0.0.1:${ALERTMANAGER_PORT}/-/reload`,
      watchedDirs: [CONFIG_DIR, SECRETS_DIR],
      // The config it watches is what the server reads: the server's read-only mounts.
      volumeMounts: (alertmanager.volumeMounts ?? []).filter((m) => m.readOnly),
    });

    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: this.meta(name),
      spec: {
        serviceName: headlessName,
        replicas: cfg.replicas,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: this.selector },
        template: this.podTemplate({
          annotations,
          replicas: cfg.replicas,
          terminationGracePeriodSeconds: 120,
          containers: [alertmanager, reloader],
          volumes: [
            { name: 'config', configMap: { name: 'alertmanager-config' } },
            // The user's Secret, exactly the keys the config reads: the pod does not start
            // until the Secret has every one of them (README: "Secrets"), rather than
            // failing at the first notification.
            {
              name: 'receivers',
              secret: { secretName: cfg.receiversSecret.name, optional: false, defaultMode: 0o440, items: this.secretKeys.map((k) => ({ key: k.key, path: k.key })) },
            },
          ],
        }),
        volumeClaimTemplates: [volumeClaimTemplate('data', cfg.storage)],
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata: this.meta(name),
      spec: { selector: this.selector, ports: [{ name: 'web', port: ALERTMANAGER_PORT, targetPort: k8s.IntOrString.fromString('web') }] },
    });
    new k8s.KubeService(this, 'headless', {
      metadata: this.meta(headlessName),
      spec: {
        clusterIp: 'None',
        // Peers must find each other before they are ready (they become ready after gossip settles).
        publishNotReadyAddresses: true,
        selector: this.selector,
        ports: [
          { name: 'web', port: ALERTMANAGER_PORT, targetPort: k8s.IntOrString.fromString('web') },
          { name: 'mesh-tcp', port: ALERTMANAGER_MESH_PORT, targetPort: k8s.IntOrString.fromNumber(ALERTMANAGER_MESH_PORT) },
          { name: 'mesh-udp', port: ALERTMANAGER_MESH_PORT, protocol: 'UDP', targetPort: k8s.IntOrString.fromNumber(ALERTMANAGER_MESH_PORT) },
        ],
      },
    });
    this.service = new ServiceRef(name, this.ns, ALERTMANAGER_PORT, 'web', this.selector);
    this.headless = new ServiceRef(headlessName, this.ns, ALERTMANAGER_PORT, 'web', this.selector);
    this.alertmanagerRef = { namespace: this.ns, service: headlessName, portName: 'web' };

    disruptionBudget(this, name, this.ns, this.selector, cfg.replicas);

    // Where notifications go: Slack, PagerDuty, the webhooks and the dead man's switch over
    // HTTPS (their URLs are in the Secret or Alertmanager's defaults, so port 443 outside the
    // cluster is assumed), and the SMTP relay where the config says.
    const receivers: Endpoint[] = [{ host: 'hooks.slack.com', port: 443 }, ...(cfg.email ? [hostPortEndpoint(cfg.email.smarthost, 25)] : [])];
    networkPolicy(this, {
      name,
      namespace: this.ns,
      podSelector: this.selector,
      ingress: [
        { peers: props.clients, ports: [{ port: ALERTMANAGER_PORT }] },
        this.scrapeIngress(props.scrapers),
        ...(clustered ? [{ peers: [{ pods: this.selector }], ports: [{ port: ALERTMANAGER_MESH_PORT }, { port: ALERTMANAGER_MESH_PORT, protocol: 'UDP' as const }] }] : []),
      ],
      egress: [
        ...(clustered ? [{ peers: [{ pods: this.selector }], ports: [{ port: ALERTMANAGER_MESH_PORT }, { port: ALERTMANAGER_MESH_PORT, protocol: 'UDP' as const }] }] : []),
        ...endpointEgress(ctx.config, receivers),
      ],
    });
  }
}
