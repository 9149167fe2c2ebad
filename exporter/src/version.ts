import pkg from '../package.json';

/** The exporter version, from exporter/package.json (inlined into the bundle by esbuild). */
export const VERSION: string = pkg.version;
