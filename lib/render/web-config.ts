import { toYaml } from './yaml';

/**
 * The web configuration file of the Prometheus ecosystem's servers (exporter-toolkit,
 * `--web.config.file`; Alertmanager v0.35 uses exporter-toolkit v0.20): a TLS server that
 * accepts only clients whose certificate the given CA signed. Fields as in
 * exporter-toolkit's `web/tls_config.go` (`tls_server_config.cert_file`, `key_file`,
 * `client_ca_file`, `client_auth_type`, `min_version`). The files are read again on every
 * handshake, so a renewed certificate (cert-manager rewriting the Secret) is used without a
 * restart.
 */
export interface TlsServerFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** The CA that must have signed every client's certificate. */
  readonly clientCaFile: string;
}

export function renderWebConfig(files: TlsServerFiles): string {
  return toYaml({
    tls_server_config: {
      cert_file: files.certFile,
      key_file: files.keyFile,
      client_ca_file: files.clientCaFile,
      client_auth_type: 'RequireAndVerifyClientCert',
      min_version: 'TLS12',
    },
  });
}
