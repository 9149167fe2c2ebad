/** One valid event of every kind. */
export const ALL_KINDS = [
  { kind: 'request', method: 'GET', route: '/users/:id', status: 200, durationSeconds: 0.042, requestBytes: 0, responseBytes: 1234 },
  { kind: 'request', method: 'POST', path: '/orders/12345', status: 503, durationSeconds: 1.5, error: 'dependency' },
  { kind: 'error', type: 'timeout', route: '/users/:id', status: 504 },
  { kind: 'error', type: 'job_failed', count: 2 },
  { kind: 'active_users', tier: 'premium', users: 42 },
  { kind: 'revenue', product: 'pro', region: 'eu-west', amount: 29.99 },
  { kind: 'transaction', type: 'purchase', status: 'succeeded' },
  { kind: 'feature_usage', feature: 'export', tier: 'free', count: 3 },
  { kind: 'db_pool', pool: 'main', active: 3, idle: 7, max: 10, waiters: 0 },
  { kind: 'db_query', pool: 'main', operation: 'select', durationSeconds: 0.003 },
  { kind: 'cache', cache: 'sessions', hits: 10, misses: 1 },
  { kind: 'queue_depth', queue: 'emails', depth: 17 },
  { kind: 'queue_job', queue: 'emails', durationSeconds: 0.2 },
];
