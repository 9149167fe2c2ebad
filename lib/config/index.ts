export * from './types';
export * from './validate';
export * from './environment';
export { staging } from './staging';
export { production } from './production';
