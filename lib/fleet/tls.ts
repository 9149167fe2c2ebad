import { k8s } from 'cdk8s-plus-27';
import { FLEET_TLS_KEYS } from '../config/fleet';
import type { TlsClientFiles } from '../render/prometheus';

/**
 * The TLS Secrets of a fleet as every container mounts them: the client certificate at
 * CLIENT_TLS_DIR, the server certificate at SERVER_TLS_DIR, each with the keys of a
 * cert-manager Certificate's Secret (`tls.crt`, `tls.key`, `ca.crt`). The pod does not
 * start until the Secret exists with all three keys (`optional: false`): a missing
 * certificate is found at deploy time, not at the first alert.
 */

export const CLIENT_TLS_DIR = '/etc/fleet-tls/client';
export const SERVER_TLS_DIR = '/etc/fleet-tls/server';

export type TlsKind = 'client' | 'server';

const VOLUME: Record<TlsKind, string> = { client: 'fleet-client-tls', server: 'fleet-server-tls' };
const DIR: Record<TlsKind, string> = { client: CLIENT_TLS_DIR, server: SERVER_TLS_DIR };

export interface TlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export function tlsFiles(kind: TlsKind): TlsFiles {
  const dir = DIR[kind];
  return { caFile: `${dir}/${FLEET_TLS_KEYS.ca}`, certFile: `${dir}/${FLEET_TLS_KEYS.cert}`, keyFile: `${dir}/${FLEET_TLS_KEYS.key}` };
}

/** The client certificate's files, verifying the server as `serverName` (default: the host connected to). */
export function clientTlsFiles(serverName?: string): TlsClientFiles {
  return { ...tlsFiles('client'), ...(serverName ? { serverName } : {}) };
}

/** The volume of a TLS Secret (exactly its three keys, readable by the pod's group only). */
export function tlsVolume(kind: TlsKind, secretName: string): k8s.Volume {
  return {
    name: VOLUME[kind],
    secret: { secretName, optional: false, defaultMode: 0o440, items: [FLEET_TLS_KEYS.cert, FLEET_TLS_KEYS.key, FLEET_TLS_KEYS.ca].map((key) => ({ key, path: key })) },
  };
}

export function tlsMount(kind: TlsKind): k8s.VolumeMount {
  return { name: VOLUME[kind], mountPath: DIR[kind], readOnly: true };
}
