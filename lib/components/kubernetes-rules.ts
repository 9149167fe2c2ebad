import { Construct } from 'constructs';
import { ComponentChart, StackContext } from '../k8s/component';
import type { StackConfig } from '../config/types';
import { kubernetesRuleGroups, ScrapedParts } from '../observability/alerts/kubernetes';

export interface KubernetesRulesProps {
  /**
   * Which parts of Kubernetes the stack's Prometheus scrapes: the "is it up" alerts, recording
   * rules and SLOs of a part exist only when it is.
   * @default the config's `kubernetesComponents` (API server and kubelets unless turned off;
   * scheduler and controller manager only when turned on)
   */
  readonly scraped?: ScrapedParts;
}

/**
 * The scrape switches of the config (`kubernetesComponents`, which also drives the scrape
 * jobs), read where the config has them; the other fields of that section are not ours.
 */
function scrapedParts(config: StackConfig): ScrapedParts {
  const kc = (config as StackConfig & { readonly kubernetesComponents?: ScrapedParts }).kubernetesComponents ?? {};
  return { apiServer: kc.apiServer, kubelet: kc.kubelet, scheduler: kc.scheduler, controllerManager: kc.controllerManager };
}

/**
 * The Kubernetes rule groups with the environment's thresholds: recording rules for the
 * dashboards and the resource alerts (`k8s.rules.*`, `kube-apiserver.rules`,
 * `kubelet.rules`, `kube-scheduler.rules`), the alerts by subject (`kubernetes-apps`,
 * `kubernetes-resources`, `kubernetes-storage`, `kubernetes-system`,
 * `kubernetes-system-apiserver`, `kubernetes-system-kubelet`, `kubernetes-system-scheduler`,
 * `kubernetes-system-controller-manager`, `kube-state-metrics`) and the API server SLOs
 * (`KubeAPIErrorBudgetBurn`).
 */
export class KubernetesRulesChart extends ComponentChart {
  constructor(scope: Construct, ctx: StackContext, props: KubernetesRulesProps = {}) {
    super(scope, ctx, 'kubernetes-rules', 'alerting');
    const { runbookBaseUrl, alerts } = ctx.config;
    this.addRuleGroups(
      kubernetesRuleGroups(
        {
          runbookBaseUrl,
          ...(alerts.thresholds ? { thresholds: alerts.thresholds } : {}),
          ...(alerts.upstreamRunbooks !== undefined ? { upstreamRunbooks: alerts.upstreamRunbooks } : {}),
          scraped: props.scraped ?? scrapedParts(ctx.config),
        },
        'alerts',
      ),
    );
  }
}
