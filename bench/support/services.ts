/**
 * The services the scaling and rules benchmarks declare: what a team adds for its own service.
 */
import { ComponentChart } from '../../lib/k8s/component';
import { ScrapeTarget } from '../../lib/observability/scrape-target';
import type { SloDeclaration } from '../../lib/observability/slo';
import type { MonitoringStack } from '../../lib/stack';

/** `svc-0000`, `svc-0001`, ...: the job label, chart and SLO service of the index-th service. */
export function serviceName(index: number): string {
  return `svc-${String(index).padStart(4, '0')}`;
}

/**
 * Sloth's getting-started SLO (examples/getting-started.yml), declared in TypeScript for
 * `service` (its job label, service name and summary; everything else as in the spec): 5xx and
 * 429 over all requests of the job, 99.9 % over 30 days, page and ticket alerts.
 */
export function gettingStartedSlo(service: string): SloDeclaration {
  return {
    service,
    name: 'requests-availability',
    objective: 99.9,
    description: 'Common SLO based on availability for HTTP request responses.',
    labels: { owner: 'myteam', repo: 'myorg/myservice', tier: '2' },
    sli: {
      events: {
        errorQuery: `sum(rate(http_request_duration_seconds_count{job="${service}",code=~"(5..|429)"}[{{.window}}]))`,
        totalQuery: `sum(rate(http_request_duration_seconds_count{job="${service}"}[{{.window}}]))`,
      },
    },
    alerting: {
      name: 'MyServiceHighErrorRate',
      labels: { category: 'availability' },
      annotations: { summary: `High error rate on '${service}' requests responses` },
      pageAlert: { labels: { severity: 'pageteam', routing_key: 'myteam' } },
      ticketAlert: { labels: { severity: 'slack', slack_channel: '#alerts-myteam' } },
    },
  };
}

/** A team's service: scrape target (pod annotations + PodMonitor) and a rule group with one alert. */
export class BenchServiceChart extends ComponentChart {
  constructor(stack: MonitoringStack, index: number) {
    const name = serviceName(index);
    super(stack, stack.context, name, 'bench-service');
    this.addScrapeTarget(new ScrapeTarget({ name, port: 8080, portName: 'http-metrics' }));
    this.addRuleGroups([
      {
        name: `${name}.rules`,
        rules: [
          {
            alert: 'ServiceDown',
            expr: `up{job="${name}"} == 0`,
            for: '5m',
            labels: { severity: 'critical', category: 'application' },
            annotations: { summary: `${name} is down`, description: `Prometheus cannot scrape ${name} ({{ $labels.instance }}).` },
          },
        ],
      },
    ]);
  }
}

