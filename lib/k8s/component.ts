import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import type { StackConfig } from '../config/types';
import type { FleetContext } from '../fleet/model';
import { PrometheusRule } from '../../imports/monitoring.coreos.com';
import { RuleGroup, ruleFileGroup } from '../observability/rule-group';
import { RuleRegistry, splitRuleGroups } from '../observability/rule-registry';
import { ScrapeTarget } from '../observability/scrape-target';
import type { PodScrapeJob } from '../render/prometheus';
import { selectorLabels, standardLabels } from './labels';
import type { FlowRule, Peer } from './network-policy';
import { podTemplate, PodTemplateSpec } from './workload';

/** Largest rule-file text of one PrometheusRule (its JSON, in the last-applied annotation, is a little larger). */
export const PROMETHEUS_RULE_MAX_BYTES = 160 * 1024;

/** What every component receives from the stack. */
export interface StackContext {
  readonly config: StackConfig;
  readonly rules: RuleRegistry;
  /** The fleet this stack is a cluster of. @default none (a single environment) */
  readonly fleet?: FleetContext;
}

/**
 * One component of the stack as one chart: its objects are written to
 * `dist/<env>/<name>.yaml` (custom resources to `dist/<env>/operator/<name>.yaml`), and
 * every object carries the standard labels.
 */
export class ComponentChart extends Chart {
  readonly config: StackConfig;
  /** The namespace of the stack. */
  readonly ns: string;
  /** Labels selecting this component's pods. */
  readonly selector: Record<string, string>;
  /** Labels for pod templates (selector + standard labels). */
  readonly podLabels: Record<string, string>;
  /** Targets of this component that need a dedicated job in the stack's Prometheus (see addScrapeTarget). */
  readonly scrapeJobs: PodScrapeJob[] = [];
  /** Ports of this component's scrape targets: what scrapers are admitted to, nothing else. */
  readonly metricsPorts: number[] = [];
  private prometheusRules = 0;

  constructor(scope: Construct, readonly ctx: StackContext, readonly componentName: string, component: string) {
    super(scope, componentName, { labels: standardLabels(ctx.config, componentName, component), disableResourceNameHashes: true });
    this.config = ctx.config;
    this.ns = ctx.config.namespace;
    this.selector = selectorLabels(ctx.config, componentName);
    this.podLabels = standardLabels(ctx.config, componentName, component);
  }

  /** Object metadata: name and namespace (labels come from the chart). */
  meta(name: string, extra: { annotations?: Record<string, string>; labels?: Record<string, string> } = {}): k8s.ObjectMeta {
    return { name, namespace: this.ns, ...extra };
  }

  /**
   * Registers rule groups (validated: a bad PromQL expression fails the synth naming the
   * group and rule) and emits them as this component's PrometheusRule: `<name>`, then
   * `<name>-2`, ... when the groups would make one object larger than
   * PROMETHEUS_RULE_MAX_BYTES (client-side `kubectl apply` stores the whole object in a
   * 256 KiB annotation).
   */
  addRuleGroups(groups: readonly RuleGroup[]): void {
    if (groups.length === 0) return;
    this.ctx.rules.add(this.componentName, groups);
    for (const part of splitRuleGroups(groups, PROMETHEUS_RULE_MAX_BYTES, this.componentName)) {
      this.prometheusRules += 1;
      const name = this.prometheusRules === 1 ? this.componentName : `${this.componentName}-${this.prometheusRules}`;
      new ApiObject(this, this.prometheusRules === 1 ? 'prometheusrule' : `prometheusrule-${this.prometheusRules}`, {
        apiVersion: PrometheusRule.GVK.apiVersion,
        kind: PrometheusRule.GVK.kind,
        metadata: { name, namespace: this.ns },
        spec: { groups: part.map(ruleFileGroup) },
      });
    }
  }

  /**
   * Declares one of the component's scrape targets, emits its monitor (in `via.namespace`,
   * the pods' namespace, when it is not the stack's) and records its port for
   * `scrapeIngress`. Returns the pod annotations when the annotated-pods job can scrape it;
   * otherwise (a second port, an exporter with `honorLabels`, a node agent) returns none and
   * adds a dedicated job to `scrapeJobs`, which the stack hands to its Prometheus. A pod has
   * one set of annotations: at most one annotatable target per pod.
   */
  addScrapeTarget(target: ScrapeTarget, via: { service?: Record<string, string>; namespace?: string } = {}): Record<string, string> {
    const namespace = via.namespace ?? this.ns;
    this.addMetricsPort(target.spec.port);
    if (via.service) target.serviceMonitor(this, namespace, via.service);
    else target.podMonitor(this, namespace, this.selector);
    if (target.annotatable) return target.podAnnotations();
    this.scrapeJobs.push(target.podScrapeJob(namespace, this.selector));
    return {};
  }

  /**
   * A metrics port that is scraped other than through a ScrapeTarget (e.g. by a job of the
   * stack's own prometheus.yml): admitted from the scrapers like the targets' ports.
   */
  addMetricsPort(port: number): void {
    if (!this.metricsPorts.includes(port)) this.metricsPorts.push(port);
  }

  /** The ingress rule that admits the scrapers to this component's metrics ports (declare the scrape targets first). */
  scrapeIngress(scrapers: readonly Peer[]): FlowRule {
    if (this.metricsPorts.length === 0) throw new Error(`${this.componentName}: scrapeIngress() before any addScrapeTarget()`);
    return { peers: scrapers, ports: this.metricsPorts.map((port) => ({ port })) };
  }

  /** A pod template of this component: its labels and selector, and the restricted baseline. */
  podTemplate(spec: Omit<PodTemplateSpec, 'labels' | 'selector'>): k8s.PodTemplateSpec {
    return podTemplate(this.config, { ...spec, labels: this.podLabels, selector: this.selector });
  }

  /** A ServiceAccount that never automounts its token (pods opt in when they talk to the API). */
  serviceAccount(name: string = this.componentName): k8s.KubeServiceAccount {
    return new k8s.KubeServiceAccount(this, 'serviceaccount', { metadata: this.meta(name), automountServiceAccountToken: false });
  }
}
