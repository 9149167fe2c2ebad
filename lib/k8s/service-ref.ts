/**
 * What a component exposes to others: its Service by reference. Other components take
 * URLs and DNS names from here and never spell another component's DNS name by hand.
 */
export class ServiceRef {
  constructor(
    readonly name: string,
    readonly namespace: string,
    readonly port: number,
    readonly portName: string,
    /** The pods behind the Service (for NetworkPolicy peers). */
    readonly podSelector: Record<string, string>,
  ) {}

  /** The same Service, another of its ports. */
  withPort(portName: string, port: number): ServiceRef {
    return new ServiceRef(this.name, this.namespace, port, portName, this.podSelector);
  }

  /** `name.namespace.svc` */
  get host(): string {
    return `${this.name}.${this.namespace}.svc`;
  }

  /** `name.namespace.svc:port` */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  url(scheme: 'http' | 'https' = 'http', path = ''): string {
    return `${scheme}://${this.address}${path}`;
  }

  /** DNS SRV name of the port (headless Services), e.g. for Thanos `dnssrv+` discovery. */
  get srv(): string {
    return `_${this.portName}._tcp.${this.host}`;
  }
}
