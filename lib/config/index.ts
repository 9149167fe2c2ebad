export * from './types';
export * from './validate';
export * from './environment';
export { staging } from './staging';
export { production } from './production';
export * from './fleet';
export { exampleFleet } from './fleet-example';
