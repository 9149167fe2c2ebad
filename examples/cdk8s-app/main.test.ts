import { Testing } from 'cdk8s';
import { MonitoringStack } from 'observability-stack';
import { production, ShopChart } from './main';

describe('shop', () => {
  test('the checkout pod runs its exporter sidecar, and keeps its own scrape target', () => {
    const [deployment] = Testing.synth(new ShopChart(Testing.app(), 'shop', { namespace: 'shop' })).filter((o) => o.kind === 'Deployment');
    const pod = deployment.spec.template;
    expect(pod.spec.containers.map((c: { name: string }) => c.name)).toEqual(['checkout', 'app-exporter']);
    expect(pod.metadata.annotations['prometheus.io/port']).toBe('8080');
    expect(pod.metadata.annotations['observability-stack.io/metrics-port']).toBe('8000');
  });

  test('the stack carries our rule group and the SLO rules of our Sloth spec', () => {
    const stack = new MonitoringStack(Testing.app(), 'monitoring', production);
    const files = stack.context.rules.ruleFiles();
    expect(files['extra-rules.rules.yaml']).toContain('alert: CheckoutPaymentsFailing');
    expect(files['slos.rules.yaml']).toContain('sloth_service: checkout');
  });
});
