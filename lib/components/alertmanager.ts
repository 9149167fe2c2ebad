import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { IMAGES } from '../images';
import { ComponentChart, StackContext } from '../k8s/component';
import { disruptionBudget } from '../k8s/disruption-budget';
import { endpointEgress, Endpoint, hostPortEndpoint, networkPolicy, Peer } from '../k8s/network-policy';
import { ServiceRef } from '../k8s/service-ref';
import { CONFIG_RELOADER_PORT, configReloader, container, httpProbe, tcpProbe, volumeClaimTemplate } from '../k8s/workload';
import { alertmanagerAlerts } from '../observability/alerts/stack';
import { clientTlsFiles, tlsFiles, tlsMount, tlsVolume } from '../fleet/tls';
import { FleetLoadBalancerOptions, fleetLoadBalancer } from '../fleet/expose';
import { renderWebConfig } from '../render/web-config';
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
  /**
   * The central Alertmanager of a fleet (its observer): HTTPS only, accepting only clients
   * with a certificate signed by the `ca.crt` of `serverSecret` (exporter-toolkit's
   * `RequireAndVerifyClientCert`), the other clusters' Prometheus servers from
   * `remoteClients`, each replica behind its own LoadBalancer Service at `endpoints[i]`.
   * The stack's own clients (Prometheus, Grafana) present the certificate of
   * `clientSecret`. @default none (plain HTTP, in-cluster)
   */
  readonly fleet?: {
    readonly serverSecret: string;
    readonly clientSecret: string;
    readonly remoteClients: readonly Peer[];
    readonly endpoints: readonly { readonly host: string; readonly port: number }[];
    /** The fleet's clusters: with a dead man's switch, each cluster's `Watchdog` pings its own. */
    readonly clusters: readonly string[];
    readonly loadBalancer: FleetLoadBalancerOptions;
  };
}

/** The web config (TLS) file of the fleet's Alertmanager. */
const WEB_CONFIG_DIR = '/etc/alertmanager/web';

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
  /** The web config (TLS) of a fleet's central Alertmanager. */
  readonly webConfigYaml?: string;
  /** The name in-cluster clients verify its certificate as (a fleet's central Alertmanager). */
  readonly tlsServerName?: string;

  constructor(scope: Construct, ctx: StackContext, props: AlertmanagerProps) {
    super(scope, ctx, 'alertmanager', 'alerting');
    const cfg = ctx.config.alertmanager;
    const name = 'alertmanager';
    const headlessName = 'alertmanager-headless';

    this.configInput = alertmanagerInput(cfg, SECRETS_DIR, { clusters: props.fleet?.clusters });
    this.configYaml = alertmanagerConfigYaml(this.configInput);
    this.secretKeys = alertmanagerSecretKeys(this.configInput);
    const fleet = props.fleet;
    // In-cluster clients verify the server certificate by the Service's name (they connect to pod addresses).
    const serverName = `${name}.${this.ns}.svc`;
    const server = tlsFiles('server');
    this.webConfigYaml = fleet ? renderWebConfig({ certFile: server.certFile, keyFile: server.keyFile, clientCaFile: server.caFile }) : undefined;

    const target = new ScrapeTarget({ name, port: ALERTMANAGER_PORT, portName: 'web', ...(fleet ? { tls: { secretName: fleet.clientSecret, serverName } } : {}) });
    const annotations = {
      ...this.addScrapeTarget(target),
      // With TLS the config reloader cannot reach /-/reload (it has no client certificate):
      // a config change rolls the pods instead, one at a time (the PodDisruptionBudget and
      // the gossiped silences and notification log keep notifications going).
      ...(fleet ? { 'checksum/config': createHash('sha256').update(this.configYaml).update(this.webConfigYaml!).digest('hex') } : {}),
    };
    // The config reloader's metrics: the `config-reloader` job (and its PodMonitor) scrape them
    // (a fleet's central Alertmanager runs no reloader).
    if (!fleet) this.addMetricsPort(CONFIG_RELOADER_PORT);
    const { upstreamRunbooks, thresholds } = ctx.config.alerts;
    this.addRuleGroups([alertmanagerAlerts({ runbookBaseUrl: ctx.config.runbookBaseUrl, upstreamRunbooks, thresholds, job: name, expectedMembers: cfg.replicas })]);

    new k8s.KubeConfigMap(this, 'config', { metadata: this.meta('alertmanager-config'), data: { 'alertmanager.yml': this.configYaml } });
    if (fleet) new k8s.KubeConfigMap(this, 'web-config', { metadata: this.meta('alertmanager-web'), data: { 'web.yml': this.webConfigYaml! } });

    const peers = Array.from({ length: cfg.replicas }, (_, i) => `--cluster.peer=${name}-${i}.${headlessName}.${this.ns}.svc:${ALERTMANAGER_MESH_PORT}`);
    const clustered = cfg.replicas > 1;
    const args = [
      `--config.file=${CONFIG_DIR}/alertmanager.yml`,
      `--storage.path=${DATA_DIR}`,
      `--web.listen-address=:${ALERTMANAGER_PORT}`,
      ...(fleet ? [`--web.config.file=${WEB_CONFIG_DIR}/web.yml`] : []),
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
      // With TLS that requires a client certificate the kubelet's HTTPS probe (which has
      // none) cannot pass the handshake: the probes check the port instead, which says as
      // much here, since Alertmanager's /-/ready and /-/healthy answer 200 as soon as the
      // web server listens (v0.35.0 httpserver.go).
      readinessProbe: fleet ? tcpProbe('web', 5) : httpProbe({ path: '/-/ready', port: 'web', periodSeconds: 5 }),
      livenessProbe: fleet ? tcpProbe('web', 15) : httpProbe({ path: '/-/healthy', port: 'web', periodSeconds: 15 }),
      volumeMounts: [
        { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
        { name: 'receivers', mountPath: SECRETS_DIR, readOnly: true },
        { name: 'data', mountPath: DATA_DIR },
        ...(fleet ? [{ name: 'web-config', mountPath: WEB_CONFIG_DIR, readOnly: true }, tlsMount('server')] : []),
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
          containers: fleet ? [alertmanager] : [alertmanager, reloader],
          volumes: [
            ...(fleet ? [{ name: 'web-config', configMap: { name: 'alertmanager-web' } }, tlsVolume('server', fleet.serverSecret)] : []),
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
    this.alertmanagerRef = { namespace: this.ns, service: headlessName, portName: 'web', ...(fleet ? { tls: clientTlsFiles(serverName) } : {}) };
    this.tlsServerName = fleet ? serverName : undefined;
    // One load balancer per replica: every Prometheus of the fleet sends each alert to every
    // replica (the replicas gossip silences and the notification log, not alerts).
    (fleet?.endpoints ?? []).forEach((e, i) =>
      fleetLoadBalancer(this, `service-fleet-${i}`, {
        name: `${name}-fleet-${i}`,
        namespace: this.ns,
        host: e.host,
        selector: { ...this.selector, 'statefulset.kubernetes.io/pod-name': `${name}-${i}` },
        port: e.port,
        portName: 'web',
        targetPort: 'web',
        loadBalancer: fleet!.loadBalancer,
      }),
    );

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
        { peers: [...props.clients, ...(fleet?.remoteClients ?? [])], ports: [{ port: ALERTMANAGER_PORT }] },
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
