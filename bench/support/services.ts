/**
 * The services the scaling and rules benchmarks declare: what a team adds for its own service.
 */
import { ComponentChart } from '../../lib/k8s/component';
import { ScrapeTarget } from '../../lib/observability/scrape-target';
import { SloDeclaration, sloRuleGroups, validateSlos } from '../../lib/observability/slo';
import type { MonitoringStack } from '../../lib/stack';

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

/** A team's service: scrape target + PodMonitor, one alert, one SLO (Sloth's getting-started shape). */
export class BenchServiceChart extends ComponentChart {
  constructor(stack: MonitoringStack, index: number) {
    const name = `svc-${String(index).padStart(4, '0')}`;
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
    const [slo] = validateSlos([gettingStartedSlo(name)]);
    this.addRuleGroups(sloRuleGroups(slo));
  }
}

